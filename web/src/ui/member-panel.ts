import { ROOM_ROLES, type RoomRole } from '@switchboard/protocol';
import type { RoomDirectory } from '../core/room-directory.ts';
import { describeRoomsError } from '../core/room-refusals.ts';
import { h, nameInput, setText } from './dom.ts';

/**
 * The open room's members, behind a disclosure: who is in it with which role, and for owners
 * and admins a form to add a member by user name (with a role) and a Remove button per member.
 * Direct rooms have fixed members, so the panel is hidden there.
 */
export class MemberPanel {
  readonly el: HTMLDetailsElement;
  private readonly directory: RoomDirectory;
  private readonly user: string;
  private readonly list: HTMLUListElement;
  private readonly form: HTMLFormElement;
  private readonly input: HTMLInputElement;
  private readonly role: HTMLSelectElement;
  private readonly status: HTMLParagraphElement;
  private readonly error: HTMLParagraphElement;
  private room: string | undefined;
  private shown = '';

  constructor(directory: RoomDirectory, user: string) {
    this.directory = directory;
    this.user = user;
    this.input = nameInput({
      id: 'member-user',
      name: 'user',
    });
    this.role = h(
      'select',
      { id: 'member-role', name: 'role' },
      ...ROOM_ROLES.map((r) => h('option', { value: r, selected: r === 'member' }, r)),
    );
    this.form = h(
      'form',
      { class: 'members__add', 'aria-label': 'Add a member' },
      h(
        'div',
        { class: 'members__row' },
        h(
          'div',
          { class: 'field field--grow' },
          h('label', { for: 'member-user' }, 'User to add'),
          this.input,
        ),
        h('div', { class: 'field' }, h('label', { for: 'member-role' }, 'Role'), this.role),
        h('button', { type: 'submit' }, 'Add member'),
      ),
    );
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const room = this.room;
      if (!room) return;
      const name = this.input.value.trim();
      const role = this.role.value as RoomRole;
      this.say('', '');
      this.directory.putMember(room, name, role).then(
        (added) => {
          this.input.value = '';
          this.say(added ? `${name} added as ${role}` : `${name} is now ${role}`, '');
        },
        (err: unknown) => this.say('', `Could not add ${name}: ${describeRoomsError(err)}`),
      );
    });
    this.list = h('ul', { class: 'members__list', 'aria-label': 'Members' });
    this.status = h('p', { class: 'members__status', role: 'status' });
    this.error = h('p', { class: 'form-error', role: 'alert' });
    this.el = h(
      'details',
      { class: 'members' },
      h('summary', {}, 'Members'),
      h('div', { class: 'members__body' }, this.list, this.form, this.status, this.error),
    );
    this.el.addEventListener('toggle', () => {
      if (this.el.open && this.room) void this.directory.loadMembers(this.room);
    });
  }

  /** Shows the panel of `room` (undefined, or a direct room: hidden). */
  render(room: string | undefined): void {
    const facts = room ? this.directory.facts.get(room) : undefined;
    this.el.hidden = !room || facts?.direct === true;
    if (room !== this.room) {
      this.room = room;
      this.say('', '');
      this.shown = '';
      if (room && this.el.open) void this.directory.loadMembers(room);
    }
    if (!room) return;
    const manage = this.directory.canManage(room);
    this.form.hidden = !manage;
    const view = this.directory.members?.room === room ? this.directory.members : undefined;
    const members = view?.members ?? [];
    const key = JSON.stringify([manage, members.map((m) => [m.user, m.role])]);
    if (key !== this.shown) {
      this.shown = key;
      this.list.replaceChildren(...members.map((m) => this.item(room, m.user, m.role, manage)));
    }
    if (view?.error) setText(this.error, `Members unavailable: ${view.error.message} (${view.error.code})`);
  }

  private item(room: string, user: string, role: RoomRole, manage: boolean): HTMLLIElement {
    const me = user === this.user;
    const action =
      me || manage
        ? h(
            'button',
            {
              type: 'button',
              class: 'members__remove',
              'aria-label': me ? `Leave ${room}` : `Remove ${user}`,
              onclick: () => {
                this.say('', '');
                this.directory.removeMember(room, user).then(
                  () => this.say(me ? `You left ${room}` : `${user} removed`, ''),
                  (err: unknown) =>
                    this.say('', `Could not ${me ? 'leave' : `remove ${user}`}: ${describeRoomsError(err)}`),
                );
              },
            },
            me ? 'Leave' : 'Remove',
          )
        : null;
    return h(
      'li',
      { 'data-member': user },
      h('span', { class: 'members__name' }, me ? `${user} (you)` : user),
      ' ',
      h('span', { class: 'members__role' }, role),
      action,
    );
  }

  private say(status: string, error: string): void {
    setText(this.status, status);
    setText(this.error, error);
  }
}
