/** The dashboard's login page: its script is served separately so the CSP can forbid inline scripts. */
export const LOGIN_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

export const LOGIN_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>data-sync queues: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 15px system-ui, sans-serif; display: grid; place-items: center; min-height: 90vh; margin: 0; }
  form { display: grid; gap: .6rem; width: 18rem; }
  input, button { font: inherit; padding: .45rem .6rem; }
  #error { color: #b00020; min-height: 1.2em; }
</style>
</head>
<body>
<form id="login">
  <h1>data-sync queues</h1>
  <label>Username <input id="username" name="username" autocomplete="username" required></label>
  <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
  <p id="error" role="alert"></p>
</form>
<script src="/admin/login.js"></script>
</body>
</html>
`;

/**
 * Logs in through the public API (POST /api/auth/login), then exchanges the admin's access token for the
 * dashboard cookie (POST /admin/login); the token itself is never stored by the page.
 */
export const LOGIN_JS = `'use strict';
document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('error');
  error.textContent = '';
  try {
    const login = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: document.getElementById('username').value,
        password: document.getElementById('password').value,
      }),
    });
    const tokens = await login.json();
    if (!login.ok) throw new Error(tokens.message || 'Login failed');
    const session = await fetch('/admin/login', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + tokens.access_token },
    });
    if (!session.ok) throw new Error((await session.json()).message || 'Not an admin');
    const next = new URLSearchParams(location.search).get('next') || '';
    location.assign(next.startsWith('/admin/queues') ? next : '/admin/queues');
  } catch (e) {
    error.textContent = e.message;
  }
});
`;
