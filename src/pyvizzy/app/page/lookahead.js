// Slider look-ahead (the site's worker; pyvizzy.app.lookahead): payloads Python computed for
// nearby slider settings are kept here, by setting ("class,ood"), with the last payloads
// Python published, for as long as the rest of the state (their `basis`) stays as it is. A
// slider move to a kept setting is drawn at once (drawAhead, called with the page's change
// number); then, until Python has answered that change, no answer to an earlier change is
// drawn over it (it is held, and drawn by settle() if it is still the newest).

const PV_AHEAD_KEPT = 512

function pvInstallLookahead(api, page, model) {
  const ahead = page.ahead
  const keep = (basis, key, payload) => {
    if (basis !== ahead.basis) { return }
    ahead.kept.delete(key)
    ahead.kept.set(key, payload)
    if (ahead.kept.size > PV_AHEAD_KEPT) { ahead.kept.delete(ahead.kept.keys().next().value) }
  }
  // A payload Python computed ahead (its JSON text, parsed when first drawn).
  api.ahead = (basis, key, text) => keep(basis, key, text)
  // The sliders' Bokeh models: found in the bridge's own document by the CSS classes Python
  // gave them.
  const sliders = () => {
    if (!ahead.sliders) {
      ahead.sliders = {}
      for (const candidate of model.document.all_models) {
        const css = candidate.css_classes || []
        if (css.includes(page.controls.classSlider)) { ahead.sliders.class = candidate }
        if (css.includes(page.controls.oodSlider)) { ahead.sliders.ood = candidate }
      }
    }
    return ahead.sliders
  }
  api.isSlider = (changed) => changed === sliders().class || changed === sliders().ood
  // Draw the sliders' current setting if it is kept; `move` numbers the page's change.
  api.drawAhead = (move) => {
    const {class: classSlider, ood: oodSlider} = sliders()
    if (!classSlider || !oodSlider || page.dynamic === null) { return false }
    const key = classSlider.value + ',' + oodSlider.value
    let kept = ahead.kept.get(key)
    if (kept === undefined) { return false }
    if (typeof kept === 'string') { kept = JSON.parse(kept); ahead.kept.set(key, kept) }
    ahead.shownMove = move
    api.show(kept)
    return true
  }
  // The page says which of its changes the patch it applies answers (undefined: done).
  api.answering = (move) => { ahead.answering = move }
  // A payload Python published.
  api.receive = (payload) => {
    if (ahead.newest && payload.state.seq < ahead.newest) { return }  // an older one
    ahead.newest = payload.state.seq
    if (payload.basis !== ahead.basis) { ahead.basis = payload.basis; ahead.kept.clear() }
    keep(payload.basis, pvSettingOf(payload.state), payload)
    // (the site's page says which of its changes this answers; elsewhere, all of them)
    const answering = ahead.answering === undefined ? Infinity : ahead.answering
    if (answering < ahead.shownMove) { ahead.held = payload; return }
    ahead.held = null
    api.show(payload)
  }
  // Python has answered every change: its newest payload is drawn, if it was held.
  api.settle = () => {
    if (ahead.held) { const held = ahead.held; ahead.held = null; api.show(held) }
  }
}

// Start from the payload the bridge was rendered with.
function pvStartLookahead(page, payload) {
  const ahead = page.ahead
  if (!payload) { return }
  ahead.basis = payload.basis
  ahead.newest = payload.state.seq
  ahead.shown = payload.basis + ':' + pvSettingOf(payload.state)
  ahead.kept.set(pvSettingOf(payload.state), payload)
}
