import { h, setText } from './dom.ts';

/**
 * Development sign-in: a name is exchanged for a short-lived token by the gateway's
 * `POST /v1/dev/token`, which exists only when the gateway runs with its development secret
 * and DEV_TOKEN_ENDPOINT=true. Production pages get their token from the embedding app.
 */
export function signInView(onName: (name: string) => Promise<void>, initialError = ''): HTMLElement {
  const input = h('input', {
    id: 'sign-in-name',
    name: 'name',
    autocomplete: 'username',
    autocapitalize: 'off',
    spellcheck: 'false',
    required: true,
    maxlength: 128,
    'aria-describedby': 'sign-in-note sign-in-error',
  });
  const error = h('p', { id: 'sign-in-error', class: 'form-error', role: 'alert' }, initialError);
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in__form', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    h('label', { for: 'sign-in-name' }, 'Your name'),
    h('div', { class: 'join__row' }, input, button),
    error,
    h(
      'p',
      { id: 'sign-in-note', class: 'sign-in__note' },
      'Development sign-in: the gateway issues a short-lived token for this name. In production, the ' +
        'application that embeds this page provides the token.',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) return;
    button.disabled = true;
    setText(error, '');
    onName(name).catch((err: Error) => {
      setText(error, `Could not sign in: ${err.message}`);
      button.disabled = false;
      input.focus();
    });
  });
  queueMicrotask(() => input.focus());
  return h('main', { class: 'sign-in' }, h('h1', { class: 'top__title' }, 'Switchboard'), form);
}
