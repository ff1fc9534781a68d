// The Guide tour: a box around each panel in turn, with a card that says what it shows.
// Its steps come from Python (bridge.py's GUIDE_STEPS): {panel: the panel's CSS class, tab:
// the tab that shows it in the smaller layouts, title, text}. The card is a dialog: it takes
// the focus (Next), keeps Tab among its buttons, and Close, Done or Escape give the focus
// back to what had it. Where a step's panel is out of view (a phone), its tab shows it.

const PV_GUIDE_CARD = (
  '<div class="pv-guide-box"></div>' +
  '<div class="pv-guide-card" role="dialog" aria-modal="true" aria-labelledby="pv-guide-title"' +
  ' aria-describedby="pv-guide-text">' +
  '<h2 id="pv-guide-title"></h2><div id="pv-guide-text" class="pv-guide-text" aria-live="polite">' +
  '</div><div class="pv-guide-nav"><span></span>' +
  '<button type="button" data-go="close">Close</button>' +
  '<button type="button" data-go="back">Back</button>' +
  '<button type="button" class="pv-primary" data-go="next">Next</button></div></div>')

// Shows a step's panel through its tab where the layout has tabs; returns the shell when
// that opened a sheet (over the joint, on a phone), for the Guide to close when it ends.
function pvGuideShowTab(tab) {
  const button = tab ? pvDeepFind(document, '.pv-tab[data-pv-tab="' + tab + '"]') : null
  if (!button || button.offsetParent === null) { return null }
  const shell = button.closest('[data-pv="app"]')
  if (!shell) { return null }
  if ((shell.dataset.pvSheet || shell.dataset.pvTab) !== tab) { button.click() }
  return shell.dataset.pvSheet ? shell : null
}

// Closes the sheet the Guide opened (choosing its tab again closes it).
function pvGuideCloseSheet(shell) {
  const open = shell && shell.isConnected ? shell.dataset.pvSheet : ''
  const button = open ? shell.querySelector('.pv-tab[data-pv-tab="' + open + '"]') : null
  if (button) { button.click() }
}

// The card beside the panel where there is room, else below or above it, in the window.
function pvGuidePlace(card, rect) {
  const gap = 12
  const width = Math.min(300, innerWidth - 16)
  card.style.width = width + 'px'
  const height = card.offsetHeight
  let left = rect.left + (rect.width - width) / 2
  let top = rect.top + 8
  if (rect.right + gap + width <= innerWidth - 8) {
    left = rect.right + gap
  } else if (rect.left - gap - width >= 8) {
    left = rect.left - gap - width
  } else if (innerHeight - rect.bottom - gap >= height + 8) {
    top = rect.bottom + gap
  } else if (rect.top - gap - height >= 8) {
    top = rect.top - gap - height
  } else {
    top = innerHeight - height - 8
  }
  const clamp = (value, low, high) => Math.max(low, Math.min(value, high))
  card.style.left = clamp(left, 8, innerWidth - width - 8) + 'px'
  card.style.top = clamp(top, 8, innerHeight - height - 8) + 'px'
}

function pvInstallGuide(api, page) {
  const steps = JSON.parse(page.data.guide_json)
  const close = (guide) => {
    if (!guide.classList.contains('pv-open')) { return }
    guide.classList.remove('pv-open')
    pvGuideCloseSheet(guide.pvSheet)
    const opener = guide.pvOpener
    guide.pvOpener = guide.pvSheet = null
    if (opener && opener.isConnected) { opener.focus() }
  }
  const create = () => {
    const guide = document.createElement('div')
    guide.id = 'pv-guide'
    guide.innerHTML = PV_GUIDE_CARD
    document.body.appendChild(guide)
    guide.addEventListener('click', (event) => {
      const go = event.target.dataset ? event.target.dataset.go : null
      const at = Number(guide.dataset.step)
      if (go === 'close' || (go === 'next' && at >= steps.length - 1)) { close(guide) }
      else if (go === 'next') { (window.pyvizzy || api).guide(at + 1) }
      else if (go === 'back') { (window.pyvizzy || api).guide(Math.max(0, at - 1)) }
    })
    guide.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { event.stopPropagation(); close(guide); return }
      if (event.key !== 'Tab') { return }
      const buttons = [...guide.querySelectorAll('button')].filter((button) => !button.disabled)
      const at = buttons.indexOf(document.activeElement)
      const next = (at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length
      event.preventDefault()
      buttons[next].focus()
    })
    return guide
  }
  api.guide = (step) => {
    const guide = document.getElementById('pv-guide') || create()
    if (!guide.classList.contains('pv-open')) { guide.pvOpener = pvDeepActive() }
    const {panel, tab, title, text} = steps[step]
    if (tab) {
      guide.pvSheet = pvGuideShowTab(tab) || guide.pvSheet
    } else {
      // (a panel always in view, like the joint: no sheet over it)
      pvGuideCloseSheet(guide.pvSheet)
    }
    guide.dataset.step = String(step)
    guide.querySelector('h2').textContent = title
    guide.querySelector('.pv-guide-text').textContent = text
    guide.querySelector('.pv-guide-nav span').textContent = (step + 1) + ' / ' + steps.length
    guide.querySelector('[data-go=next]').textContent = step >= steps.length - 1 ? 'Done' : 'Next'
    guide.querySelector('[data-go=back]').disabled = step === 0
    const target = pvDeepFind(document, '.' + panel)
    const rect = target ? target.getBoundingClientRect() : null
    const shown = rect && rect.width > 0 && rect.height > 0
    const box = guide.querySelector('.pv-guide-box')
    box.hidden = !shown
    if (shown) {
      box.style.left = (rect.left - 4) + 'px'
      box.style.top = (rect.top - 4) + 'px'
      box.style.width = (rect.width + 8) + 'px'
      box.style.height = (rect.height + 8) + 'px'
    }
    guide.classList.add('pv-open')
    const middle = {left: innerWidth / 2, top: innerHeight / 3, right: innerWidth / 2,
                    bottom: innerHeight / 3, width: 0, height: 0}
    pvGuidePlace(guide.querySelector('.pv-guide-card'), shown ? rect : middle)
    guide.querySelector('[data-go=next]').focus()
  }
}
