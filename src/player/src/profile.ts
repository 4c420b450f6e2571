// Forms of the profile and channel pages (settings, my channels, a channel's edit page). They are declared in the
// HTML, not coded one by one: a form.api-form sends its named fields as JSON, a form.api-upload sends its file as
// multipart, a button.api-delete asks for a confirmation and deletes. Each shows the API's problem in its
// .form-error, and on success reloads the page or goes where data-redirect says.
import { apiFetch, clearSession, problemMessage } from './session'

const OFFLINE = 'The server cannot be reached. Check your connection and try again.'

function showError (scope: Element | null, message: string | null): void {
  const element = scope?.querySelector<HTMLElement>('.form-error') ?? null
  if (!element) return
  element.textContent = message ?? ''
  element.hidden = message === null
}

function done (element: HTMLElement): void {
  if (element.dataset.signout === 'true') clearSession()
  const target = element.dataset.redirect
  if (target && target.startsWith('/') && !target.startsWith('//')) {
    window.location.assign(target)
  } else {
    window.location.reload()
  }
}

/** The form's named fields as PeerTube's JSON: checkboxes as booleans (data-kind="set": the checked values as an array), data-kind="list" as arrays, empty optional fields left out. */
function jsonOf (form: HTMLFormElement): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const field of Array.from(form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('[name]'))) {
    const name = field.getAttribute('name')!
    if (field instanceof HTMLInputElement && field.type === 'checkbox' && field.dataset.kind === 'set') {
      // Checkboxes sharing a name, each with a value: the checked values as one array (empty when none is).
      const values = Array.isArray(body[name]) ? body[name] as string[] : []
      if (field.checked) values.push(field.value)
      body[name] = values
    } else if (field instanceof HTMLInputElement && field.type === 'checkbox') {
      body[name] = field.checked
    } else if (field.dataset.kind === 'list') {
      body[name] = field.value.split(',').map(v => v.trim()).filter(v => v.length > 0)
    } else if (field.value !== '' || field.dataset.optional !== 'true') {
      body[name] = field.value
    }
  }
  return body
}

async function send (element: HTMLElement, scope: Element, request: () => Promise<Response>, submit: HTMLButtonElement | null): Promise<void> {
  showError(scope, null)
  if (submit) submit.disabled = true
  try {
    const response = await request()
    if (!response.ok) {
      showError(scope, await problemMessage(response))
      return
    }
    done(element)
  } catch {
    showError(scope, OFFLINE)
  } finally {
    if (submit) submit.disabled = false
  }
}

export function initApiForms (): void {
  document.addEventListener('submit', event => {
    const form = event.target as HTMLFormElement | null
    if (!form?.dataset.url || !(form.classList.contains('api-form') || form.classList.contains('api-upload'))) return
    event.preventDefault()
    const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')
    const url = form.dataset.url
    if (form.classList.contains('api-upload')) {
      const input = form.querySelector<HTMLInputElement>('input[type="file"]')
      const file = input?.files?.[0]
      if (!input || !file) {
        showError(form, 'Choose an image first.')
        return
      }
      const data = new FormData()
      data.append(input.name, file, file.name)
      void send(form, form, async () => await apiFetch(url, { method: 'POST', body: data }), submit)
      return
    }
    const body = jsonOf(form)
    void send(form, form, async () => await apiFetch(url, {
      method: form.dataset.method ?? 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    }), submit)
  })

  document.addEventListener('click', event => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button.api-delete')
    if (!button?.dataset.url) return
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return
    const scope = button.closest('[data-error-scope]') ?? button.parentElement
    void send(button, scope!, async () => await apiFetch(button.dataset.url!, { method: 'DELETE' }), button)
  })
}
