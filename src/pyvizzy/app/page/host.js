// The app in a host page's frame (a blog post; the host's side is the site's embed.js).
// (The message is `message`, never `data.*`: Panel reads `data.<name>` in a render script as
// a property of the bridge.)
// From the parent window only, and only these, validated:
//   {type: 'pyvizzy:set-theme', theme: 'light' | 'dark' | 'auto'}
//   {type: 'pyvizzy:host', viewportHeight}: the host's window height, in CSS px.
//   {type: 'pyvizzy:set-state', class, ood, mode, lens, select, dataset}: any of the address's
//     settings (numbers, or strings of up to 200 characters), applied by Python and
//     validated as the address is (pvHostStateQuery; the bridge's host_state).
// To it: {type: 'pyvizzy:resize', height}, the frame height that suits the app's width
// (pvSuitedHeight), never more than the host's window, and never read from the frame's own
// height (no feedback loop); sent when the width or the host's height changes.
// {type: 'pyvizzy:ready', state} once the live app has drawn (trained, or saying what stopped
// it: state.error), then {type: 'pyvizzy:state', state} after each redraw. To any origin
// only the figure's summary (pvStateSummary); the full state (window.pyvizzy.state()) only
// to the origin the address names with ?origin= (pvHostOrigin), and then only to it. Of a
// file the reader opened, nothing but that it is one (pvFileSummary); an error or notice that
// names such a file, only as a plain sentence (state.private). (A frame out of view draws
// nothing, so it posts its state once it comes into view.)

// The height the app's layout for `width` wants (shell.css): a phone's column, the joint
// about square over the sliders and the tab bar; a blog column's or a tablet's medium layout;
// the wide layout. Capped by the host's window height `viewport` when known.
function pvSuitedHeight(width, viewport) {
  let height
  if (width < 640) {
    height = Math.min(Math.max(560, width + 300), 900)
  } else if (width < 1200) {
    height = Math.min(Math.max(600, Math.round(width * 0.93)), 900)
  } else {
    height = 900
  }
  return viewport ? Math.min(height, viewport) : height
}

const PV_HOST_VIEWPORT = {least: 200, most: 20000}
const PV_HOST_STATE_KEYS = ['class', 'ood', 'mode', 'lens', 'select', 'dataset']
const PV_HOST_VALUE_CHARS = 200

// The query string of a set-state message's settings (null: none usable).
function pvHostStateQuery(message) {
  const params = new URLSearchParams()
  for (const key of PV_HOST_STATE_KEYS) {
    const value = message[key]
    if ((typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && value.length <= PV_HOST_VALUE_CHARS)) {
      params.set(key, String(value))
    }
  }
  const query = params.toString()
  return query ? '?' + query : null
}

// The host's origin the address names (?origin=https://blog.example), or null: only an
// http(s) origin exactly as URL writes it (no path, query, user or trailing slash).
function pvHostOrigin(search) {
  const value = new URLSearchParams(search).get('origin')
  if (!value || value.length > PV_HOST_VALUE_CHARS) { return null }
  let url
  try { url = new URL(value) } catch (error) { return null }
  const web = url.protocol === 'https:' || url.protocol === 'http:'
  return web && url.origin === value ? value : null
}

// What any host page may be told of the figure: the dataset's key and class names, the
// settings, the confident joint, how many images fall in each category, the selected id and
// the training's outcome; no image's label, probability or category.
function pvStateSummary(state) {
  const counts = {}
  for (const category of state.categories) { counts[category] = (counts[category] || 0) + 1 }
  return {
    dataset: state.dataset,
    class_names: state.class_names,
    class_percentile: state.class_percentile,
    ood_percentile: state.ood_percentile,
    threshold_mode: state.threshold_mode,
    ood_lens: state.ood_lens,
    joint: state.joint,
    counts: counts,
    images: state.ids.length,
    selected: state.selected,
    trained: state.trained,
    train_seconds: state.train_seconds,
    error: state.error,
    revision: state.revision,
  }
}

// What a host page is told while the dataset is a file the reader opened: that it is one,
// nothing of it (not even its name).
function pvFileSummary(state) {
  return {dataset: null, from_file: true, trained: state.trained, revision: state.revision}
}

// While the error or a notice names a file the reader opened (state.private), the summary
// alone, with a plain error in place of the page's.
const PV_PRIVATE_ERROR = 'A file the reader chose could not be opened.'

// Tell the host page the state (postMessage sends a copy): once as ready, then after each
// redraw.
function pvPostState(state) {
  if (window.parent === window) { return }
  const origin = pvHostOrigin(window.location.search)
  let told = origin ? state : pvStateSummary(state)
  if (state.from_file) {
    told = pvFileSummary(state)
  } else if (state.private) {
    told = Object.assign(pvStateSummary(state), {error: state.error && PV_PRIVATE_ERROR})
  }
  if (!window.pvHostReady) {
    window.pvHostReady = true
    window.parent.postMessage({type: 'pyvizzy:ready', state: told}, origin || '*')
  }
  window.parent.postMessage({type: 'pyvizzy:state', state: told}, origin || '*')
}

function pvInstallHost() {
  if (window.parent === window || window.pvHostInstalled) { return }
  window.pvHostInstalled = true  // (once: the bridge renders twice)
  let viewport = null
  let told = null
  const tell = () => {
    const height = pvSuitedHeight(window.innerWidth, viewport)
    if (height !== told) {
      told = height
      window.parent.postMessage({type: 'pyvizzy:resize', height}, '*')
    }
  }
  window.addEventListener('message', (event) => {
    const message = event.data
    if (event.source !== window.parent || !message || typeof message !== 'object') { return }
    const themes = ['light', 'dark', 'auto']
    if (message.type === 'pyvizzy:set-theme' && themes.includes(message.theme)) {
      window.pyvizzy.setTheme(message.theme)
      window.pyvizzy.setAddress(window.location.search)
    } else if (message.type === 'pyvizzy:host' && Number.isFinite(message.viewportHeight) &&
               message.viewportHeight >= PV_HOST_VIEWPORT.least &&
               message.viewportHeight <= PV_HOST_VIEWPORT.most) {
      viewport = Math.round(message.viewportHeight)
      tell()
    } else if (message.type === 'pyvizzy:set-state') {
      const query = pvHostStateQuery(message)
      const page = window.pyvizzy.page
      if (query) {
        page.hostStates = (page.hostStates || 0) + 1
        page.data.host_state = JSON.stringify({n: page.hostStates, query})
      }
    }
  })
  window.addEventListener('resize', tell)
  tell()
}
