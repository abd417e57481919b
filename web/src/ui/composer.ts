import { Limits, utf8Length } from '@switchboard/protocol';
import type { ChatClient } from '../core/chat-client.ts';
import { h, setText } from './dom.ts';

/** The message box: Enter sends, Shift+Enter starts a new line; typing notifies the room. */
export class Composer {
  readonly el: HTMLFormElement;
  private readonly input: HTMLTextAreaElement;
  private readonly label: HTMLLabelElement;
  private readonly hint: HTMLParagraphElement;
  private readonly button: HTMLButtonElement;
  private readonly client: ChatClient;

  constructor(client: ChatClient) {
    this.client = client;
    this.label = h('label', { for: 'composer-body' }, 'Message');
    this.input = h('textarea', {
      id: 'composer-body',
      name: 'body',
      rows: 2,
      'aria-describedby': 'composer-hint',
      enterkeyhint: 'send',
    });
    this.button = h('button', { type: 'submit' }, 'Send');
    this.hint = h(
      'p',
      { id: 'composer-hint', class: 'composer__hint' },
      'Enter sends, Shift+Enter adds a line',
    );
    this.el = h(
      'form',
      { class: 'composer', 'aria-label': 'Send a message' },
      this.label,
      h('div', { class: 'composer__row' }, this.input, this.button),
      this.hint,
    );
    this.el.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => {
      const room = this.client.activeRoom;
      if (room && this.input.value) this.client.typing(room);
      this.updateHint();
    });
  }

  render(): void {
    const room = this.client.activeRoom;
    setText(this.label, room ? `Message ${room}` : 'Message (join a room first)');
    this.input.disabled = !room;
    this.button.disabled = !room;
  }

  focus(): void {
    this.input.focus();
  }

  private submit(): void {
    const room = this.client.activeRoom;
    const body = this.input.value;
    if (!room || body.trim() === '' || utf8Length(body) > Limits.bodyMaxBytes) return;
    this.client.send(room, body);
    this.input.value = '';
    this.updateHint();
  }

  private updateHint(): void {
    const bytes = utf8Length(this.input.value);
    setText(
      this.hint,
      bytes > Limits.bodyMaxBytes
        ? `Too long: ${bytes} of ${Limits.bodyMaxBytes} bytes`
        : 'Enter sends, Shift+Enter adds a line',
    );
    this.hint.classList.toggle('form-error', bytes > Limits.bodyMaxBytes);
  }
}
