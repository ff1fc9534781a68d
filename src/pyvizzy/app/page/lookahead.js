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
  // The sliders' values: the data of the model Python gave the sliders' CSS class, found in
  // the bridge's own document (sliders_panel.py's Sliders).
  const sliders = () => {
    if (ahead.sliders === null) {
      ahead.sliders = undefined
      for (const candidate of model.document.all_models) {
        if ((candidate.css_classes || []).includes(page.controls.sliders)) {
          ahead.sliders = candidate.data
        }
      }
    }
    return ahead.sliders
  }
  // Whether a change of the page's document moves a slider.
  api.isSliderMove = (changed, attr) => (
    changed === sliders() && (attr === 'class_percentile' || attr === 'ood_percentile'))
  api.isSlider = (changed) => changed === sliders()
  // Draw the sliders' current setting if it is kept; `move` numbers the page's change.
  api.drawAhead = (move) => {
    const values = sliders()
    if (!values || page.dynamic === null) { return false }
    const key = values.class_percentile + ',' + values.ood_percentile
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
