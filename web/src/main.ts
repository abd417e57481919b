import './styles.css';
import { ChatClient } from './core/chat-client.ts';
import { RoomDirectory } from './core/room-directory.ts';
import { RoomsApi } from './core/rooms-api.ts';
import { DevTokenSource, requestDevToken, subjectOf, type TokenSource } from './core/tokens.ts';
import { EmbedTokenSource, isEmbedded, nextTokenFromParent, tokenFromPage } from './embed-token.ts';
import { ChatView } from './ui/chat-view.ts';
import { h } from './ui/dom.ts';
import { signInView } from './ui/sign-in-view.ts';

const root = document.getElementById('app')!;
/** Per tab, so two tabs can be two users; survives a reload, not a closed tab. */
const NAME_KEY = 'switchboard.dev-name';
const roomsKey = (user: string) => `switchboard.rooms.${user}`;

async function boot(): Promise<void> {
  const token = tokenFromPage();
  if (token) return startChat(new EmbedTokenSource(token), subjectOf(token) ?? 'unknown');
  if (isEmbedded()) {
    root.replaceChildren(
      h(
        'main',
        { class: 'sign-in' },
        h('p', { role: 'status' }, 'Waiting for the application to sign you in…'),
      ),
    );
    const handed = await nextTokenFromParent();
    return startChat(new EmbedTokenSource(handed), subjectOf(handed) ?? 'unknown');
  }
  const remembered = sessionStorage.getItem(NAME_KEY);
  if (remembered) {
    try {
      return await devSignIn(remembered);
    } catch (err) {
      return showSignIn((err as Error).message);
    }
  }
  showSignIn();
}

function showSignIn(error = ''): void {
  root.replaceChildren(signInView(devSignIn, error));
}

async function devSignIn(name: string): Promise<void> {
  const first = await requestDevToken(name);
  sessionStorage.setItem(NAME_KEY, name);
  startChat(new DevTokenSource(name, first), subjectOf(first.token) ?? name, true);
}

function startChat(tokens: TokenSource, user: string, devSession = false): void {
  const client = new ChatClient({ user, tokens });
  const signOut = () => {
    client.stop();
    sessionStorage.removeItem(NAME_KEY);
    showSignIn();
  };
  const directory = new RoomDirectory(client, new RoomsApi({ token: () => tokens.current() }));
  const view = new ChatView(client, directory, devSession ? signOut : undefined);
  root.replaceChildren(view.el);
  client.start();
  // The user's rooms (GET /v1/rooms), joined in the background; then the tab's own and a link's.
  void directory.loadMine();
  // Rooms joined by name in this tab survive a reload; `?room=name` joins one directly (shared links).
  const saved: string[] = JSON.parse(sessionStorage.getItem(roomsKey(user)) ?? '[]');
  const fromLink = new URLSearchParams(location.search).get('room');
  for (const room of new Set([...saved, ...(fromLink ? [fromLink] : [])]))
    void client.join(room).catch(() => {});
  client.subscribe(() => sessionStorage.setItem(roomsKey(user), JSON.stringify([...client.rooms.keys()])));
}

void boot();
