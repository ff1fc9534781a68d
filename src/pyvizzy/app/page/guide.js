// The Guide tour: a box around each panel in turn, with a card that says what it shows.
// Its steps come from Python (bridge.py's GUIDE_STEPS): {panel: the panel's CSS class,
// title, text}.

const PV_GUIDE_CARD = (
  '<div class="pv-guide-box"></div>' +
  '<div class="pv-guide-card" role="dialog" aria-live="polite">' +
  '<h3></h3><div class="pv-guide-text"></div><div class="pv-guide-nav"><span></span>' +
  '<button data-go="close">Close</button><button data-go="back">Back</button>' +
  '<button class="pv-primary" data-go="next">Next</button></div></div>')

function pvInstallGuide(api, page) {
  const steps = JSON.parse(page.data.guide_json)
  const create = () => {
    const guide = document.createElement('div')
    guide.id = 'pv-guide'
    guide.innerHTML = PV_GUIDE_CARD
    document.body.appendChild(guide)
    guide.addEventListener('click', (event) => {
      const go = event.target.dataset ? event.target.dataset.go : null
      const at = Number(guide.dataset.step)
      if (go === 'close' || (go === 'next' && at >= steps.length - 1)) {
        guide.classList.remove('pv-open')
      }
      else if (go === 'next') { (window.pyvizzy || api).guide(at + 1) }
      else if (go === 'back') { (window.pyvizzy || api).guide(Math.max(0, at - 1)) }
    })
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { guide.classList.remove('pv-open') }
    })
    return guide
  }
  api.guide = (step) => {
    const guide = document.getElementById('pv-guide') || create()
    const {panel, title, text} = steps[step]
    guide.dataset.step = String(step)
    guide.querySelector('h3').textContent = title
    guide.querySelector('.pv-guide-text').textContent = text
    guide.querySelector('.pv-guide-nav span').textContent = (step + 1) + ' / ' + steps.length
    guide.querySelector('[data-go=next]').textContent = step >= steps.length - 1 ? 'Done' : 'Next'
    const target = pvDeepFind(document, '.' + panel)
    const box = guide.querySelector('.pv-guide-box')
    const card = guide.querySelector('.pv-guide-card')
    const middle = {left: innerWidth / 2, top: innerHeight / 2, right: innerWidth / 2,
                    width: 0, height: 0}
    const rect = target ? target.getBoundingClientRect() : middle
    box.style.left = (rect.left - 4) + 'px'
    box.style.top = (rect.top - 4) + 'px'
    box.style.width = (rect.width + 8) + 'px'
    box.style.height = (rect.height + 8) + 'px'
    const cardLeft = rect.right + 316 < innerWidth ? rect.right + 12 : Math.max(8, rect.left - 312)
    card.style.left = Math.min(cardLeft, innerWidth - 308) + 'px'
    card.style.top = Math.max(8, Math.min(rect.top + 8, innerHeight - 190)) + 'px'
    guide.classList.add('pv-open')
  }
}
