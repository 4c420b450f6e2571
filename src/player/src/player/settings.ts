// The settings menu (button[data-pt=settings] → .pt-settings): quality, playback speed and, when P2P is on, whether
// to share segments with other viewers (button[data-pt-p2p-upload], remembered in localStorage).
// Items carry data-pt-resolution="{height}" / "auto" and data-pt-rate="{rate}" (the browser tests use them).
import { h } from './dom'
import { icons } from './icons'
import { PLAYBACK_RATES, type PlayerCore } from './core'

export interface SettingsMenu {
  button: HTMLButtonElement
  menu: HTMLElement
  isOpen (): boolean
  close (): void
}

export function buildSettings (core: PlayerCore): SettingsMenu {
  const { video } = core
  const button = h('button', {
    type: 'button', class: 'pt-button', 'data-pt': 'settings',
    'aria-label': 'Settings', 'aria-haspopup': 'menu', 'aria-expanded': 'false'
  })
  button.innerHTML = icons.settings

  const qualityItems = h('div', { class: 'pt-settings-items', role: 'group', 'aria-label': 'Quality' })
  const rateItems = h('div', { class: 'pt-settings-items', role: 'group', 'aria-label': 'Playback speed' })
  const p2pItems = h('div', { class: 'pt-settings-items', role: 'group', 'aria-label': 'Peer-to-peer' })
  const p2pSection = h('div', { class: 'pt-settings-section', hidden: true }, h('div', { class: 'pt-settings-heading' }, 'P2P'), p2pItems)
  const menu = h('div', { class: 'pt-settings', role: 'menu', 'aria-label': 'Settings', hidden: true },
    h('div', { class: 'pt-settings-section' }, h('div', { class: 'pt-settings-heading' }, 'Quality'), qualityItems),
    h('div', { class: 'pt-settings-section' }, h('div', { class: 'pt-settings-heading' }, 'Speed'), rateItems),
    p2pSection
  )

  const item = (label: string, checked: boolean, attrs: Record<string, string>, onSelect: () => void): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'pt-settings-item', role: 'menuitemradio', 'aria-checked': String(checked), ...attrs }, label)
    b.addEventListener('click', () => { onSelect(); close() })
    return b
  }

  const renderQuality = (): void => {
    const levels = core.levels
    const manual = core.manualLevel
    const playing = levels[core.playingLevel]
    // Highest first, as PeerTube lists them; one entry per height (a ladder may repeat a height per codec).
    const seen = new Set<number>()
    const items = [...levels]
      .sort((a, b) => b.height - a.height || b.bitrate - a.bitrate)
      .filter(l => l.height > 0 && !seen.has(l.height) && seen.add(l.height))
      .map(l => item(l.label, manual === l.index, { 'data-pt-resolution': String(l.height) }, () => core.setLevel(l.index)))
    const autoLabel = manual === -1 && playing ? `Auto (${playing.label})` : 'Auto'
    items.push(item(autoLabel, manual === -1, { 'data-pt-resolution': 'auto' }, () => core.setLevel(-1)))
    qualityItems.replaceChildren(...items)
  }

  const renderRates = (): void => {
    rateItems.replaceChildren(...PLAYBACK_RATES.map(rate =>
      item(rate === 1 ? 'Normal' : `${rate}×`, video.playbackRate === rate, { 'data-pt-rate': String(rate) },
        () => { video.playbackRate = rate })))
  }

  const renderP2P = (): void => {
    const p2p = core.p2p
    p2pSection.hidden = p2p === null
    if (!p2p) return
    const b = h('button', {
      type: 'button', class: 'pt-settings-item', role: 'menuitemcheckbox',
      'aria-checked': String(p2p.uploadEnabled), 'data-pt-p2p-upload': String(p2p.uploadEnabled),
      title: 'Send the parts of this video you have watched to other viewers'
    }, 'Share with other viewers')
    b.addEventListener('click', () => { p2p.setUpload(!p2p.uploadEnabled); renderP2P() })
    p2pItems.replaceChildren(b)
  }

  const open = (): void => {
    renderQuality()
    renderRates()
    renderP2P()
    menu.hidden = false
    button.setAttribute('aria-expanded', 'true')
    core.root.classList.add('pt-menu-open')
    ;(menu.querySelector<HTMLElement>('[aria-checked="true"]') ?? menu.querySelector<HTMLElement>('button'))?.focus({ preventScroll: true })
  }

  function close (): void {
    if (menu.hidden) return
    menu.hidden = true
    button.setAttribute('aria-expanded', 'false')
    core.root.classList.remove('pt-menu-open')
  }

  button.addEventListener('click', () => { if (menu.hidden) open(); else close() })
  // Clicking anywhere else closes it, as any menu does.
  document.addEventListener('click', e => {
    const target = e.target as Node | null
    if (target && !menu.contains(target) && !button.contains(target)) close()
  })
  menu.addEventListener('keydown', e => {
    if (e.key === 'Escape') { close(); button.focus(); e.stopPropagation() }
  })
  core.events.on('levels', () => { if (!menu.hidden) renderQuality() })
  video.addEventListener('ratechange', () => { if (!menu.hidden) renderRates() })

  return { button, menu, isOpen: () => !menu.hidden, close }
}
