// The bridge's render script. Panel runs it, after the other page scripts of bridge.py's
// RENDER_SCRIPTS (which define the pv* functions it calls), as the body of a function of
// `model, data, state, view`, each time the bridge is drawn: once for the pre-rendered
// snapshot of the app, once for the live app. It makes window.pyvizzy, the page's API, with
// the page-side state in window.pyvizzy.page (page_state.js).

const api = window.pyvizzy = window.pyvizzy || {}
const page = api.page = pvPage(data, api.page)
pvInstallState(api, page)
pvInstallTheme(api, page)
pvInstallHost()
pvInstallBusy(api)
pvInstallAddress(api, page)
pvInstallSelection(api, page)
pvInstallKeys()
pvInstallGuide(api, page)
pvInstallAnnounce(api, page)
pvInstallViews(api, page)
pvInstallLookahead(api, page, model)

const payload = api.decode(data.dynamic)
if (payload) { api.merge(payload) }
api.post()
if (payload) { setTimeout(() => api.layout(payload.views), 0) }
pvStartLookahead(page, payload)
// Busy while Python works, or until the state shown is the dataset the address asks for.
const wanted = new URLSearchParams(window.location.search).get('dataset')
if (page.pythonBusy) {
  api.busy(page.pythonBusy)
} else if (page.state === null || (wanted && page.state.dataset !== wanted)) {
  api.busy(JSON.parse(data.start_json))
}
data.query = window.location.search || '?'
if (payload && payload.address) { api.setAddress(payload.address) }
setTimeout(() => api.markSelected(page.state ? page.state.selected : null), 300)
