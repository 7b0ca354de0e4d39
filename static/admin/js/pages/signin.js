// Organizer sign-in: name and password; wrong credentials and the pause after
// too many wrong passwords are explained in the form.
import { t } from '../../i18n.js';
import { h, mount } from '/js/dom.js';
import { api, ApiError } from '../api.js';

export function renderSignin(ctx, { onSignedIn }) {
  const error = h('p', { id: 'signin-error', class: 'form-error', role: 'alert', testid: 'signin-error' });
  const name = h('input', {
    id: 'signin-name', type: 'text', name: 'username', autocomplete: 'username',
    required: true, maxlength: 64, testid: 'signin-name', 'aria-describedby': 'signin-error',
  });
  const password = h('input', {
    id: 'signin-password', type: 'password', name: 'password', autocomplete: 'current-password',
    required: true, testid: 'signin-password', 'aria-describedby': 'signin-error',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', testid: 'signin-submit' }, t('signin.submit'));

  const say = (msg, field) => {
    error.textContent = msg;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  };

  const onsubmit = async (e) => {
    e.preventDefault();
    name.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    if (!name.value.trim()) return say(t('signin.need_name'), name);
    if (!password.value) return say(t('signin.need_password'), password);
    error.textContent = '';
    submit.disabled = true;
    submit.textContent = t('signin.submitting');
    try {
      const res = await api('POST', '/api/admin/session', { name: name.value.trim(), password: password.value });
      if (!ctx.current()) return;
      onSignedIn(res.organizer);
    } catch (err) {
      if (!ctx.current()) return;
      submit.disabled = false;
      submit.textContent = t('signin.submit');
      if (err instanceof ApiError && err.code === 'wrong_credentials') {
        password.value = '';
        say(t('signin.wrong'), password);
      } else if (err instanceof ApiError && err.status === 429) {
        const min = err.retryAfter ? Math.max(1, Math.ceil(err.retryAfter / 60)) : null;
        say(min ? t('signin.too_many', { min }) : err.message, null);
      } else {
        say(err.message, null);
      }
    }
  };

  mount(h('section', { class: 'signin card', testid: 'signin' },
    h('img', { class: 'signin-logo', src: '/favicon.svg', alt: '', width: 56, height: 56 }),
    h('h1', null, t('signin.title')),
    h('p', { class: 'muted' }, t('signin.intro')),
    h('form', { class: 'form', novalidate: true, onsubmit },
      h('div', { class: 'field' }, h('label', { for: 'signin-name' }, t('signin.name')), name),
      h('div', { class: 'field' }, h('label', { for: 'signin-password' }, t('signin.password')), password),
      error,
      submit)), { focus: '#signin-name' });
}
