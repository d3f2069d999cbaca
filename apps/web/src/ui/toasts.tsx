import { CloseIcon } from './icons';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'reminder' | 'error';
}

/** Passing news (reminders, arrivals, refusals) in the corner; each goes by itself after a while. */
export function Toasts({
  toasts,
  onDismiss,
}: {
  toasts: Toast[];
  onDismiss: (id: number) => void;
}) {
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          class={`toast toast-${toast.kind}`}
          role={toast.kind === 'error' ? 'alert' : 'status'}
        >
          <span class="toast-kind">
            {toast.kind === 'reminder' ? 'Reminder' : toast.kind === 'error' ? 'Problem' : 'News'}
          </span>
          <span class="toast-text">{toast.text}</span>
          <button
            class="icon-button"
            onClick={() => onDismiss(toast.id)}
            aria-label="Dismiss"
            title="Dismiss"
          >
            <CloseIcon />
          </button>
        </div>
      ))}
    </div>
  );
}
