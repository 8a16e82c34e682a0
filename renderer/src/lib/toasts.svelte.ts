/** Short messages in the corner: what just happened, or what went wrong and what to do. */
export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  /** One line per photo, say, under the text. */
  details: string[];
  action: ToastAction | null;
}

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(
    text: string,
    kind: Toast['kind'] = 'info',
    extra: { details?: string[]; action?: ToastAction } = {},
  ): void {
    const id = this.#next++;
    this.items.push({ id, text, kind, details: extra.details ?? [], action: extra.action ?? null });
    // Longer messages stay longer, so there is time to read every reason.
    const readingMs = 1500 * (extra.details?.length ?? 0);
    setTimeout(
      () => {
        this.dismiss(id);
      },
      (kind === 'error' ? 8000 : 4000) + readingMs,
    );
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

export const toasts = new Toasts();
