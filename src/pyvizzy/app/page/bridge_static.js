// The bridge's script for a new `static_json` (the state's slow part: ids, labels, model).
const api = window.pyvizzy
if (!api || !api.page || !data.static_json) { return }
api.page.static = JSON.parse(data.static_json)
api.merge()
