// The bridge's script for a new `static_json` ({basis, state}: the state's slow part, i.e.
// ids, labels, model). It is drawn with the first payload of its basis (page_state.js).
const api = window.pyvizzy
if (!api || !api.page || !data.static_json) { return }
api.page.nextStatic = JSON.parse(data.static_json)
