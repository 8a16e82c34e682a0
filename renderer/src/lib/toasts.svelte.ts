/** Short messages in the corner: what just happened, or what went wrong and what to do. */
export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(text: string, kind: Toast['kind'] = 'info'): void {
    const id = this.#next++;
    this.items.push({ id, text, kind });
    setTimeout(
      () => {
        this.dismiss(id);
      },
      kind === 'error' ? 8000 : 4000,
    );
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

export const toasts = new Toasts();
