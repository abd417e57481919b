import type { ChatClient } from '../core/chat-client.ts';
import type { RoomDirectory } from '../core/room-directory.ts';
import { describeJoinRefusal } from '../core/room-refusals.ts';
import { h, nameInput, setText } from './dom.ts';
import { RoomActions } from './room-actions.ts';

/** The join form, creating rooms and direct conversations, and the rooms with their unread counts. */
export class RoomList {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly error: HTMLParagraphElement;
  private readonly input: HTMLInputElement;
  private readonly client: ChatClient;
  private readonly directory: RoomDirectory;
  private readonly items = new Map<string, HTMLLIElement>();
  private readonly onSelect: () => void;

  constructor(client: ChatClient, directory: RoomDirectory, onSelect: () => void) {
    this.client = client;
    this.directory = directory;
    this.onSelect = onSelect;
    this.input = nameInput({
      id: 'join-room',
      name: 'room',
      placeholder: 'lobby',
      'aria-describedby': 'join-room-error',
    });
    this.error = h('p', { id: 'join-room-error', class: 'form-error', role: 'alert' });
    const form = h(
      'form',
      { class: 'join', 'aria-label': 'Join a room' },
      h('label', { for: 'join-room' }, 'Room name'),
      h('div', { class: 'join__row' }, this.input, h('button', { type: 'submit' }, 'Join')),
      this.error,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const name = this.input.value;
      setText(this.error, '');
      this.client.join(name).then(
        () => {
          this.input.value = '';
          onSelect();
        },
        (err: unknown) => setText(this.error, `Could not join: ${describeJoinRefusal(name.trim(), err)}`),
      );
    });
    this.list = h('ul', { class: 'rooms__list' });
    this.el = h(
      'nav',
      { class: 'rooms', 'aria-labelledby': 'rooms-title' },
      form,
      new RoomActions(directory, onSelect).el,
      h('h2', { id: 'rooms-title', class: 'rooms__title' }, 'Your rooms'),
      this.list,
    );
  }

  render(): void {
    const seen = new Set<string>();
    let i = 0;
    for (const state of this.client.rooms.values()) {
      seen.add(state.name);
      let item = this.items.get(state.name);
      if (!item) {
        const button = h('button', { type: 'button', class: 'room-button' });
        button.addEventListener('click', () => {
          this.client.select(state.name);
          this.onSelect();
        });
        item = h('li', { 'data-room': state.name }, button);
        this.items.set(state.name, item);
      }
      const button = item.firstElementChild as HTMLButtonElement;
      const active = state.name === this.client.activeRoom;
      if (active) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
      const facts = this.directory.facts.get(state.name);
      const name = facts?.direct
        ? `direct conversation with ${facts.peer ?? state.name}`
        : `${state.name}${facts?.visibility === 'private' ? ', private' : ''}`;
      const label = `${name}${state.unread ? `, ${state.unread} unread` : ''}`;
      if (button.getAttribute('aria-label') !== label) {
        button.setAttribute('aria-label', label);
        button.dataset.kind = facts?.direct ? 'direct' : (facts?.visibility ?? 'public');
        const badges: Node[] = [];
        if (facts?.visibility === 'private' && !facts.direct) {
          badges.push(h('span', { class: 'room__private', 'aria-hidden': 'true' }, 'private'));
        }
        button.replaceChildren(
          h(
            'span',
            { class: 'room__name' },
            facts?.direct ? this.directory.label(state.name) : `# ${state.name}`,
          ),
          ...badges,
          h(
            'span',
            { class: 'room__unread', 'aria-hidden': 'true', hidden: state.unread === 0 },
            String(state.unread),
          ),
        );
      }
      if (this.list.children[i] !== item) this.list.insertBefore(item, this.list.children[i] ?? null);
      i++;
    }
    for (const [name, item] of this.items) {
      if (!seen.has(name)) {
        item.remove();
        this.items.delete(name);
      }
    }
  }
}
