import { loginHref } from '../api';
import type { AsyncState } from '../hooks';
import type { Session } from '../types';

/** The session's words: its name, user and role. */
export function sessionWords(s: Session): string {
  const role = s.roles.includes('admin') ? 'admin' : s.roles.join(', ') || 'no role';
  return `${s.name || s.user} (${s.user}, ${role})`;
}

export function isAdmin(s: Session | undefined): boolean {
  return !!s && s.roles.includes('admin');
}

/**
 * Who is logged in, with log out; or a link to log in. Shown only in a
 * variant with a security pattern: the gateway keeps the tokens, the
 * browser has a session cookie only.
 */
export function SessionBar({ session }: { session: AsyncState<Session | undefined> }) {
  if (session.data) {
    return (
      <div className="session" data-testid="session">
        <span>
          Logged in as <strong data-testid="session-user">{sessionWords(session.data)}</strong>
        </span>
        {/* A form post: the gateway ends the session and the provider's, then sends the browser back to /. */}
        <form method="post" action="/auth/logout" className="logout-form">
          <button type="submit" className="secondary small">
            Log out
          </button>
        </form>
      </div>
    );
  }
  if (session.error && session.error.status === 401) {
    return (
      <div className="session" data-testid="session">
        <span>Not logged in.</span>{' '}
        <a className="button-link small" href={loginHref()}>
          Log in
        </a>
      </div>
    );
  }
  if (session.error) {
    return (
      <div className="session" data-testid="session">
        <span>Session unknown: {session.error.title}</span>
      </div>
    );
  }
  return (
    <div className="session" data-testid="session" aria-busy="true">
      <span>Checking the session…</span>
    </div>
  );
}
