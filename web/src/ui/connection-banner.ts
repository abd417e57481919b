import type { ConnectionState } from '../core/chat-client.ts';
import { h, setText } from './dom.ts';

/** What the banner says for each connection state; `kind` is its style and test hook. */
export function describeConnection(state: ConnectionState): { kind: string; text: string } {
  switch (state.status) {
    case 'connecting':
      return { kind: 'connecting', text: 'Connecting…' };
    case 'reconnecting':
      return {
        kind: 'reconnecting',
        text:
          state.attempt > 0
            ? `Connection lost, reconnecting (attempt ${state.attempt})…`
            : 'Connection lost, reconnecting…',
      };
    case 'unauthorized':
      return { kind: 'unauthorized', text: `Not signed in: ${state.error.message}` };
    case 'connected':
      if (state.since === 'recovered')
        return { kind: 'recovered', text: 'Reconnected: recovered what was missed' };
      if (state.since === 'catching-up') return { kind: 'catching-up', text: 'Reconnected: catching up…' };
      if (state.since === 'gap-partial') {
        return {
          kind: 'gap-partial',
          text: `Reconnected: caught up ${state.filled ?? 0} missed; more were missed than fit, scroll up for the rest`,
        };
      }
      if (state.since === 'gap-filled') {
        const n = state.filled ?? 0;
        return {
          kind: 'gap-filled',
          text: `Reconnected: caught up on everything missed (${n} missed)`,
        };
      }
      return { kind: 'connected', text: 'Connected' };
  }
}

/** A live region of fixed height: its text changes, the layout does not move. */
export class ConnectionBanner {
  readonly el = h('p', {
    class: 'banner',
    role: 'status',
    'aria-live': 'polite',
    'data-state': 'connecting',
  });

  render(state: ConnectionState): void {
    const { kind, text } = describeConnection(state);
    if (this.el.dataset.state !== kind) this.el.dataset.state = kind;
    setText(this.el, text);
  }
}
