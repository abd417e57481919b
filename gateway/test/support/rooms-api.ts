import { tokenFor } from './clients.ts';

export type ApiReply<T = Record<string, unknown>> = {
  status: number;
  body: T & { error?: { code: string } };
};

/** The rooms REST API of one gateway, as a user (by name) or with a service key. */
export function roomsApi(url: string) {
  async function call<T>(
    auth: { user?: string; key?: string },
    method: string,
    path: string,
    body?: unknown,
  ) {
    const bearer = auth.key ?? (auth.user ? await tokenFor(auth.user) : undefined);
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} } as ApiReply<T>;
  }
  const enc = encodeURIComponent;
  return {
    call,
    createRoom: (user: string, room: string, visibility: 'public' | 'private' = 'private') =>
      call({ user }, 'POST', '/v1/rooms', { room, visibility }),
    putMember: (user: string, room: string, member: string, role: string) =>
      call({ user }, 'PUT', `/v1/rooms/${enc(room)}/members/${enc(member)}`, { role }),
    removeMember: (user: string, room: string, member: string) =>
      call({ user }, 'DELETE', `/v1/rooms/${enc(room)}/members/${enc(member)}`),
    members: (user: string, room: string) => call({ user }, 'GET', `/v1/rooms/${enc(room)}/members`),
    history: (user: string, room: string) => call({ user }, 'GET', `/v1/rooms/${enc(room)}/messages`),
  };
}
