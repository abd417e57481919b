import type { ChatClient } from '../core/chat-client.ts';
import { Composer } from './composer.ts';
import { ConnectionBanner } from './connection-banner.ts';
import { h, setText } from './dom.ts';
import { MessageList } from './message-list.ts';
import { RoomList } from './room-list.ts';

/** The signed-in page: banner, rooms, the active room's log, who is here and typing, the composer. */
export class ChatView {
  readonly el: HTMLElement;
  private readonly client: ChatClient;
  private readonly banner = new ConnectionBanner();
  private readonly rooms: RoomList;
  private readonly messages: MessageList;
  private readonly composer: Composer;
  private readonly title = h('h2', { id: 'room-title', class: 'room-header__title' });
  private readonly presence = h('p', { class: 'presence', 'aria-live': 'polite' });
  private readonly typing = h('p', { class: 'typing', 'aria-live': 'polite' });
  private readonly notice = h('p', { class: 'notice', role: 'alert' });
  private scheduled = false;

  /** `onSignOut` only for development sign-in: an embedded page's session belongs to its application. */
  constructor(client: ChatClient, onSignOut?: () => void) {
    this.client = client;
    this.composer = new Composer(client);
    this.rooms = new RoomList(client, () => this.composer.focus());
    this.messages = new MessageList(client);
    this.el = h(
      'div',
      { class: 'app' },
      h(
        'header',
        { class: 'top' },
        h('h1', { class: 'top__title' }, 'Switchboard'),
        this.banner.el,
        h(
          'p',
          { class: 'top__user' },
          'Signed in as ',
          h('strong', { 'data-user': client.user }, client.user),
          ' ',
          onSignOut ? h('button', { type: 'button', class: 'link', onclick: onSignOut }, 'Sign out') : null,
        ),
      ),
      this.rooms.el,
      h(
        'main',
        { class: 'room', 'aria-labelledby': 'room-title' },
        h('header', { class: 'room-header' }, this.title, this.presence),
        this.notice,
        this.messages.el,
        this.typing,
        this.composer.el,
      ),
    );
    client.subscribe(() => this.schedule());
    this.render();
  }

  /** Many socket events can land in one task; render once after them. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.render();
    }, 0);
  }

  private render(): void {
    const client = this.client;
    this.banner.render(client.connection);
    this.rooms.render();
    const state = client.activeRoom ? client.rooms.get(client.activeRoom) : undefined;
    setText(this.title, state ? `# ${state.name}` : 'No room yet: join one to start');
    const online = state ? [...state.presence].sort() : [];
    setText(this.presence, state ? `Online (${online.length}): ${online.join(', ') || 'nobody yet'}` : '');
    const typing = state ? [...state.typing.keys()].sort() : [];
    setText(
      this.typing,
      typing.length === 0 ? '' : `${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`,
    );
    setText(
      this.notice,
      client.protocolError ? `${client.protocolError.code}: ${client.protocolError.message}` : '',
    );
    this.messages.render(state);
    this.composer.render();
  }
}
