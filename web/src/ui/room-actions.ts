import type { RoomVisibility } from '@switchboard/protocol';
import type { RoomDirectory } from '../core/room-directory.ts';
import { describeRoomsError } from '../core/room-refusals.ts';
import { h, nameInput, setText } from './dom.ts';

/**
 * Create a room (private by default) and open a direct conversation, behind one disclosure so
 * the room list stays short at phone width. Labels avoid "Room name" and a leading "Message":
 * those name the join field and the composer.
 */
export class RoomActions {
  readonly el: HTMLDetailsElement;

  constructor(directory: RoomDirectory, onOpened: () => void) {
    const createName = nameInput({
      id: 'create-room',
      name: 'room',
      'aria-describedby': 'create-room-status',
    });
    const visibility = h(
      'select',
      { id: 'create-room-visibility', name: 'visibility' },
      h('option', { value: 'private', selected: true }, 'Private: members only'),
      h('option', { value: 'public' }, 'Public: anyone may join'),
    );
    const createStatus = h('p', { id: 'create-room-status', class: 'form-error', role: 'alert' });
    const create = h(
      'form',
      { class: 'join', 'aria-label': 'Create a room' },
      h('label', { for: 'create-room' }, 'New room'),
      h('div', { class: 'join__row' }, createName, h('button', { type: 'submit' }, 'Create')),
      h('label', { for: 'create-room-visibility' }, 'Who may join'),
      visibility,
      createStatus,
    );
    create.addEventListener('submit', (event) => {
      event.preventDefault();
      setText(createStatus, '');
      directory.create(createName.value, visibility.value as RoomVisibility).then(
        () => {
          createName.value = '';
          onOpened();
        },
        (err: unknown) => setText(createStatus, `Could not create: ${describeRoomsError(err)}`),
      );
    });

    const dmUser = nameInput({
      id: 'direct-user',
      name: 'user',
      'aria-describedby': 'direct-user-status',
    });
    const dmStatus = h('p', { id: 'direct-user-status', class: 'form-error', role: 'alert' });
    const direct = h(
      'form',
      { class: 'join', 'aria-label': 'Open a direct conversation' },
      h('label', { for: 'direct-user' }, 'Direct conversation with'),
      h('div', { class: 'join__row' }, dmUser, h('button', { type: 'submit' }, 'Open')),
      dmStatus,
    );
    direct.addEventListener('submit', (event) => {
      event.preventDefault();
      setText(dmStatus, '');
      directory.openDirect(dmUser.value).then(
        () => {
          dmUser.value = '';
          onOpened();
        },
        (err: unknown) => setText(dmStatus, `Could not open: ${describeRoomsError(err)}`),
      );
    });

    this.el = h(
      'details',
      { class: 'room-actions' },
      h('summary', {}, 'New room or direct conversation'),
      h('div', { class: 'room-actions__body' }, create, direct),
    );
  }
}
