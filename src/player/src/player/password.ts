// The password prompt of a password-protected video (PeerTube 6's privacy 5). The page holds no file token for such a
// video until its viewer gives a password: the prompt sends it in x-peertube-video-password to
// POST /api/v1/videos/{uuid}/token and hands the file token it gets to the player. A wrong password is said so, and
// the viewer may try again. Ids are in docs/web-contract.md ("Password prompt").
import './password.css'
import { h } from './dom'

export const PASSWORD_HEADER = 'x-peertube-video-password'

/** Resolves with a videoFileToken once the viewer has given a right password. */
export function askVideoPassword (mount: HTMLElement, uuid: string): Promise<string> {
  return new Promise(resolve => {
    const input = h('input', { id: 'pt-video-password', type: 'password', autocomplete: 'off', required: true }) as HTMLInputElement
    const error = h('p', { id: 'pt-video-password-error', class: 'pt-password-error', role: 'alert', hidden: true })
    const submit = h('button', { id: 'pt-video-password-submit', type: 'submit' }, 'Watch') as HTMLButtonElement
    const form = h('form', { id: 'pt-video-password-form', class: 'pt-password' },
      h('label', { for: 'pt-video-password' }, 'This video is password protected. Its password:'),
      h('div', { class: 'pt-password-row' }, input, submit),
      error) as HTMLFormElement

    const fail = (message: string): void => {
      error.textContent = message
      error.hidden = false
      submit.disabled = false
      input.select()
    }

    form.addEventListener('submit', event => {
      event.preventDefault()
      submit.disabled = true
      fetch(`/api/v1/videos/${encodeURIComponent(uuid)}/token`, { method: 'POST', headers: { [PASSWORD_HEADER]: input.value } })
        .then(async response => {
          const body = await response.json().catch(() => null) as { files?: { token?: string }, code?: string } | null
          if (response.ok && typeof body?.files?.token === 'string') {
            resolve(body.files.token)
            return
          }

          fail(body?.code === 'incorrect_video_password' ? 'Incorrect password. Try again.' : 'The video cannot be opened now.')
        })
        .catch(() => fail('The video cannot be opened now.'))
    })

    mount.classList.add('pt-player', 'pt-locked')
    mount.replaceChildren(form)
    input.focus()
  })
}
