import type { ChatClient, ChatNotice } from '../core/chat-client.ts';
import { describeOnline } from '../core/online-summary.ts';
import type { RoomDirectory } from '../core/room-directory.ts';
import { Composer } from './composer.ts';
import { ConnectionBanner } from './connection-banner.ts';
import { h, setText } from './dom.ts';
import { MemberPanel } from './member-panel.ts';
import { MessageList } from './message-list.ts';
import { RoomList } from './room-list.ts';

/** The signed-in page: banner, rooms, the active room's log, who is here and typing, the composer. */
export class ChatView {
  readonly el: HTMLElement;
  private readonly client: ChatClient;
  private readonly directory: RoomDirectory;
  private readonly memberPanel: MemberPanel;
  private readonly banner = new ConnectionBanner();
  private readonly rooms: RoomList;
  private readonly messages: MessageList;
  private readonly composer: Composer;
  private readonly title = h('h2', { id: 'room-title', class: 'room-header__title' });
  private readonly presence = h('p', { class: 'presence', 'aria-live': 'polite' });
  private readonly typing = h('p', { class: 'typing', 'aria-live': 'polite' });
  private readonly notice = h('p', { class: 'notice', role: 'alert' });
  private readonly removal = h('p', { class: 'notice notice--removed', role: 'alert' });
  private readonly dismiss = h(
    'button',
    { type: 'button', class: 'notice__dismiss', hidden: true },
    'Dismiss',
  );
  // Always in the room's grid (it collapses when empty), so the log keeps its row.
  private readonly removalBox = h('div', { class: 'notice-box' }, this.removal, this.dismiss);
  private scheduled = false;

  /** `onSignOut` only for development sign-in: an embedded page's session belongs to its application. */
  constructor(client: ChatClient, directory: RoomDirectory, onSignOut?: () => void) {
    this.client = client;
    this.directory = directory;
    this.composer = new Composer(client);
    this.rooms = new RoomList(client, directory, () => this.composer.focus());
    this.memberPanel = new MemberPanel(directory, client.user);
    this.dismiss.addEventListener('click', () => client.dismissNotice());
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
        h(
          'header',
          { class: 'room-header' },
          h('div', { class: 'room-header__main' }, this.title, this.presence),
          this.memberPanel.el,
        ),
        this.removalBox,
        this.notice,
        this.messages.el,
        this.typing,
        this.composer.el,
      ),
    );
    client.subscribe(() => this.schedule());
    directory.subscribe(() => this.schedule());
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
    setText(this.title, state ? this.titleOf(state.name) : 'No room yet: join one to start');
    this.memberPanel.render(state?.name);
    this.dismiss.hidden = !client.notice;
    setText(
      this.removal,
      client.notice ? describeNotice(client.notice, this.directory.label(client.notice.room)) : '',
    );
    setText(this.presence, state ? describeOnline(state.presence, state.presenceUnnamed) : '');
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

  private titleOf(room: string): string {
    const facts = this.directory.facts.get(room);
    if (facts?.direct) return `Direct conversation with ${facts.peer ?? room}`;
    return `# ${room}${facts?.visibility === 'private' ? ' (private)' : ''}`;
  }
}

function describeNotice(notice: ChatNotice, label: string): string {
  const why = notice.error ? ` (${notice.error.code}: ${notice.error.message})` : '';
  return `You are no longer a member of ${label}: it was removed from your rooms${why}.`;
}
