import type { ChatClient, RoomState } from '../core/chat-client.ts';
import type { TimelineEntry } from '../core/room-timeline.ts';
import { describeSendFailure } from '../core/send-failure.ts';
import { h, setText, shortTime } from './dom.ts';

/** Closer than this to the bottom counts as "reading the newest", so new messages scroll in. */
const STICK_TO_BOTTOM_PX = 48;

/**
 * The scrollable message log of the active room. Elements are kept per message (keyed by
 * sender and clientMsgId, stable from pending to acknowledged) and only moved or updated, so
 * the page neither flickers nor re-announces old messages; scrolling near the top pages in
 * older history and keeps the reader's place.
 */
export class MessageList {
  readonly el: HTMLDivElement;
  private readonly list: HTMLOListElement;
  private readonly live: HTMLDivElement;
  private readonly older: HTMLButtonElement;
  private readonly olderNote: HTMLParagraphElement;
  private readonly elements = new Map<string, HTMLLIElement>();
  private room: string | undefined;
  private readonly client: ChatClient;

  constructor(client: ChatClient) {
    this.client = client;
    this.older = h('button', { type: 'button', class: 'older__button' }, 'Load older messages');
    this.older.addEventListener('click', () => this.loadOlder());
    this.olderNote = h('p', { class: 'older__note', 'aria-live': 'polite' });
    this.list = h('ol', { class: 'messages' });
    // The live region wraps the list, so the list keeps its list semantics for screen readers.
    this.live = h('div', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' }, this.list);
    this.el = h(
      'div',
      { class: 'log', tabindex: 0, role: 'region', 'aria-label': 'Conversation' },
      h('div', { class: 'older' }, this.older, this.olderNote),
      this.live,
    );
    // Paging on scroll-up: when the top of the log comes into view, fetch the page before it.
    new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.loadOlder();
      },
      { root: this.el, rootMargin: '200px 0px 0px 0px' },
    ).observe(this.older);
  }

  render(state: RoomState | undefined): void {
    if (!state) {
      this.list.replaceChildren();
      this.elements.clear();
      this.room = undefined;
      this.older.hidden = true;
      setText(this.olderNote, '');
      return;
    }
    const switched = state.name !== this.room;
    if (switched) {
      this.list.replaceChildren();
      this.elements.clear();
      this.room = state.name;
      this.live.setAttribute('aria-label', `Messages in ${state.name}`);
    }
    const atBottom = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < STICK_TO_BOTTOM_PX;
    const firstBefore = this.list.firstElementChild;
    const anchorTop = firstBefore ? (firstBefore as HTMLElement).offsetTop - this.el.scrollTop : 0;

    const entries = state.timeline.entries();
    const seen = new Set<string>();
    entries.forEach((entry, i) => {
      seen.add(entry.key);
      let el = this.elements.get(entry.key);
      if (!el) {
        el = h('li', { class: 'msg' });
        this.elements.set(entry.key, el);
      }
      this.fill(el, entry);
      if (this.list.children[i] !== el) this.list.insertBefore(el, this.list.children[i] ?? null);
    });
    for (const [key, el] of this.elements) {
      if (!seen.has(key)) {
        el.remove();
        this.elements.delete(key);
      }
    }

    this.older.hidden = state.hasOlder === false;
    this.older.disabled = state.loadingOlder;
    setText(
      this.olderNote,
      state.historyError
        ? `History unavailable: ${state.historyError.message}`
        : state.loadingOlder
          ? 'Loading history…'
          : state.hasOlder === false
            ? `This is the beginning of ${state.name}.`
            : '',
    );

    if (switched || atBottom) {
      this.el.scrollTop = this.el.scrollHeight;
    } else if (firstBefore?.isConnected) {
      // Older messages went in above: keep the message the reader was looking at in place.
      this.el.scrollTop = (firstBefore as HTMLElement).offsetTop - anchorTop;
    }
  }

  private loadOlder(): void {
    if (this.room) void this.client.loadOlder(this.room);
  }

  private fill(el: HTMLLIElement, entry: TimelineEntry): void {
    if (entry.kind === 'message') {
      const { message, mine } = entry;
      const state = mine ? 'acked' : 'received';
      if (el.dataset.state === state && el.dataset.id === message.id) return;
      el.className = `msg${mine ? ' msg--mine' : ''}`;
      el.dataset.state = state;
      el.dataset.id = message.id;
      el.dataset.clientMsgId = message.clientMsgId;
      el.dataset.sender = message.sender;
      const parts: Node[] = [
        h(
          'p',
          { class: 'msg__meta' },
          h('span', { class: 'msg__sender' }, mine ? 'You' : message.sender),
          ' ',
          h('time', { datetime: new Date(message.ts).toISOString() }, shortTime(message.ts)),
        ),
        h('p', { class: 'msg__body' }, message.body),
      ];
      if (mine) {
        parts.push(
          h(
            'p',
            { class: 'msg__status', title: `server id ${message.id}` },
            h('span', { 'aria-hidden': 'true' }, '✓ '),
            `Sent · id …${message.id.slice(-8)}`,
          ),
        );
      }
      el.replaceChildren(...parts);
      return;
    }
    const { outgoing } = entry;
    const key = `${outgoing.state}:${outgoing.error?.code ?? ''}`;
    if (el.dataset.state === outgoing.state && el.dataset.errorKey === key) return;
    el.className = `msg msg--mine msg--${outgoing.state}`;
    el.dataset.state = outgoing.state;
    el.dataset.errorKey = key;
    el.dataset.clientMsgId = outgoing.clientMsgId;
    el.dataset.sender = this.client.user;
    delete el.dataset.id;
    const failure = outgoing.error
      ? describeSendFailure(outgoing.error)
      : { text: 'Not sent', canRetry: true };
    const status =
      outgoing.state === 'pending'
        ? h('p', { class: 'msg__status' }, h('span', { 'aria-hidden': 'true' }, '… '), 'Sending')
        : h(
            'p',
            { class: 'msg__status', role: 'alert' },
            h('span', { 'aria-hidden': 'true' }, '✗ '),
            `${failure.text} `,
            // Only where sending the same message again can succeed (not CONFLICT, TOO_LARGE, ...).
            failure.canRetry &&
              h(
                'button',
                {
                  type: 'button',
                  class: 'msg__retry',
                  onclick: () => this.room && this.client.retry(this.room, outgoing.clientMsgId),
                },
                'Retry',
              ),
          );
    el.replaceChildren(
      h('p', { class: 'msg__meta' }, h('span', { class: 'msg__sender' }, 'You')),
      h('p', { class: 'msg__body' }, outgoing.body),
      status,
    );
  }
}
