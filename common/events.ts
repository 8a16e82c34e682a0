import type { EventListener, ServiceEvent, YonosEvents } from './contract.js';

/** The in-process event stream the transports forward (IPC, WebSocket, CLI output). */
export class EventBus implements YonosEvents {
  readonly #listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: ServiceEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // One broken subscriber (a closed socket, say) must not stop the work that emitted.
        console.error('yonos: an event listener failed:', error);
      }
    }
  }
}
