// The page-side state: one object, `window.pyvizzy.page`, made anew each time the bridge
// renders (the site draws a pre-rendered snapshot of the app, then the live app). Its shape:
//
//   data        the bridge's properties, as Python sets them (see bridge.py's Bridge)
//   controls    CSS classes Python gave the page's own controls: {theme, guide, sliders}
//   static      the state's slow part (ids, labels, predicted probabilities), or null
//   nextStatic  {basis, state}: a newer slow part, made `static` with the first payload of
//               its basis (so state() never pairs a new model with the old categories)
//   dynamic     the state's per-setting part as drawn now (thresholds, categories, ...)
//   state       static and dynamic merged: what window.pyvizzy.state() returns, or null
//   pythonBusy  Python's busy message ('' when it is idle)
//   lists       the long lists (every image) that mark the selection; marked: the id they mark
//   views       name -> {root, applied, memo, tiles}: the drawings the page lays out
//   lastViews   name -> the last layout drawn (laid out again when the joint's size changes)
//   announceTimer  the counts' next announcement (announce.js)
//   address     {query: the newest to write, pending, writtenAt (ms)}
//   ahead       the slider look-ahead (lookahead.js): {kept: setting key -> payload, basis,
//               newest, shown, shownMove, held, answering, sliders}
//
// Python -> page, a payload (bridge.py's Bridge.payload_json): {state: the dynamic part,
// address: the query string to show, views: name -> layout (views.js), basis: numbers
// everything but the sliders' part}.

function pvPage(data, previous) {
  return {
    data: data,
    controls: JSON.parse(data.controls_json),
    static: null,
    nextStatic: data.static_json ? JSON.parse(data.static_json) : null,
    dynamic: null,
    state: null,
    pythonBusy: data.busy_json ? JSON.parse(data.busy_json) : '',
    lists: [],
    marked: undefined,
    views: {},
    lastViews: null,
    announceTimer: null,
    // (the address's writes are spaced across renders too: see address.js)
    address: {query: null, pending: false,
              writtenAt: previous ? previous.address.writtenAt : -Infinity},
    ahead: {kept: new Map(), basis: null, newest: 0, shown: null, shownMove: 0, held: null,
            answering: undefined, sliders: null},
  }
}

// The state API: window.pyvizzy.state() (a copy), and the parent frame told after a redraw
// (host.js).
function pvInstallState(api, page) {
  api.state = () => (page.state === null ? null : JSON.parse(JSON.stringify(page.state)))
  api.decode = (value) => {
    if (!value) { return null }
    return JSON.parse(typeof value === 'string' ? value : new TextDecoder().decode(value))
  }
  // The state drawn: the slow part of the payload's basis with the payload's own part.
  api.merge = (payload) => {
    const next = page.nextStatic
    if (next && next.basis === payload.basis) { page.static = next.state; page.nextStatic = null }
    page.dynamic = payload.state
    page.state = page.static && page.dynamic ? Object.assign({}, page.static, page.dynamic) : null
  }
  api.post = () => {
    if (window.parent !== window && page.state !== null) {
      // (postMessage copies it: no copy of its own, which costs a large dataset 13 ms a move)
      requestAnimationFrame(() => pvPostState(page.state))
    }
  }
  // Draw a payload (Python's, or one computed ahead): state, address, views, selection.
  api.show = (payload) => {
    const ahead = page.ahead
    const shown = payload.basis + ':' + pvSettingOf(payload.state)
    const confirms = page.dynamic !== null && ahead.shown === shown
    ahead.shown = shown
    api.merge(payload)
    if (!page.pythonBusy) { api.idle() }
    const markSelected = () => api.markSelected(page.state ? page.state.selected : null)
    if (confirms) { markSelected(); return }  // Python's answer to what was drawn ahead
    if (payload.address) { api.setAddressLater(payload.address) }
    api.layout(payload.views)
    markSelected()
    requestAnimationFrame(markSelected)
    api.post()
  }
}

// The key of a slider setting: "class,ood" (as Python's SliderSetting.key).
function pvSettingOf(state) { return state.class_percentile + ',' + state.ood_percentile }
