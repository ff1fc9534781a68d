"""The bridge between Python and the page's main thread.

One invisible :class:`~panel.reactive.ReactiveHTML` component carries, as Bokeh model
properties, everything that must cross between Python and the browser. Its scripts
run on the main thread both under ``panel serve`` and in Panel's pyodide-worker mode
(where Python runs in a Web Worker and the models are synced to the page), so the
page behaves the same in both:

- Python -> page: ``static_json`` + ``dynamic`` (``window.pyvizzy.state()``, and a
  ``{type: "pyvizzy:state", state}`` message to the parent frame after each redraw;
  ``dynamic`` also carries the address, written with ``history.replaceState``), and
  ``busy_json``, the busy overlay's message (empty: hidden).
- page -> Python: ``query`` (``location.search``, sent once on render: the settings
  the page was opened with) and ``event`` (a click on anything carrying
  ``data-pv-id``, anywhere in the page's shadow roots, selects that item; the two long
  lists mark the selection in the page, ``window.pyvizzy.markSelected``).
- page only: the theme (``data-pv-theme`` on ``<html>``, also read from and written
  to the ``theme`` query parameter) and the Guide tour, started by clicks on widgets
  carrying the CSS classes :data:`THEME_TOGGLE_CLASS` / :data:`GUIDE_BUTTON_CLASS`.
  (Bokeh ``js_on_click`` callbacks are not attached to widgets nested in a
  ReactiveHTML template, so the bridge's own click listener handles them.)
"""

from __future__ import annotations

import json

import param
from panel.reactive import ReactiveHTML

from pyvizzy.app.speedups import DesignForStylesheetsOnly
from pyvizzy.app.theme import GLOBAL_CSS

__all__ = ["GUIDE_BUTTON_CLASS", "GUIDE_STEPS", "THEME_TOGGLE_CLASS", "Bridge", "safe_json"]

#: The Guide tour: (panel css class, title, text), in the data's order.
GUIDE_STEPS = (
    (
        "pv-panel-dataset",
        "1. Dataset",
        "Each image and its given label. Click one to select it everywhere; relabel it with "
        "the 'Relabel selected as' menu, then press Train to refit the model on your edits.",
    ),
    (
        "pv-panel-probs",
        "2. Predicted probabilities",
        "A 5-fold SVM on the image embeddings gives every image out-of-sample class "
        "probabilities. Sort by label quality to see the least trustworthy labels first.",
    ),
    (
        "pv-panel-thresholds",
        "3. Thresholds",
        "Per class, the self-confidence of its images. The class threshold (blue) is the "
        "class percentile of these; an image is confidently its most probable class when it "
        "reaches that class's threshold. The OOD threshold (amber) is a lower percentile.",
    ),
    (
        "pv-panel-joint",
        "4. Confident joint",
        "Rows: given label, columns: suggested label. The diagonal agrees with the given "
        "label; every image off the diagonal is a label issue.",
    ),
    (
        "pv-panel-results",
        "5. Results",
        "Label issues ranked by label quality, images below every OOD threshold "
        "(out of distribution) and images confident in no class (unconfident).",
    ),
    (
        "pv-panel-explainer",
        "6. Why?",
        "The selected image's probabilities against its thresholds, and why it lands in "
        "its category. Drag the sliders and watch everything update.",
    ),
)


def safe_json(value) -> str:
    """JSON text with no ``<``, ``>`` or ``&`` (written as ``\\u003c`` etc.).

    Panel sanitizes every string property of a ReactiveHTML component as HTML, which
    would mangle such characters; JSON's unicode escapes carry them through intact.
    """
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: CSS classes that make a widget a client-side control (handled by the bridge's click listener).
THEME_TOGGLE_CLASS = "pv-theme-toggle"
GUIDE_BUTTON_CLASS = "pv-guide-button"


_RENDER = r"""
const root = document.documentElement
if (!document.getElementById('pv-global-css')) {
  const style = document.createElement('style')
  style.id = 'pv-global-css'
  style.textContent = JSON.parse(data.css_json)
  document.head.appendChild(style)
}
const search = new URLSearchParams(window.location.search)
const theme = search.get('theme')
if (theme === 'dark' || theme === 'light') { root.dataset.pvTheme = theme }
let busy = document.getElementById('pv-busy')
if (!busy) {
  busy = document.createElement('div')
  busy.id = 'pv-busy'
  busy.setAttribute('role', 'status')
  const card = document.createElement('div')
  card.className = 'pv-busy-card'
  const spinner = document.createElement('div')
  spinner.className = 'pv-spinner'
  const text = document.createElement('span')
  text.className = 'pv-busy-text'
  card.append(spinner, text)
  busy.appendChild(card)
  document.body.appendChild(busy)
}
const api = window.pyvizzy = window.pyvizzy || {}
api._data = data
if (!('_state' in api)) { api._state = null }
api.state = () => (api._state === null ? null : JSON.parse(JSON.stringify(api._state)))
api.busy = (message) => {
  busy.querySelector('.pv-busy-text').textContent = message || 'Working…'
  root.classList.add('pv-busy')
}
api.idle = () => root.classList.remove('pv-busy')
// Long lists (every image) are not rebuilt when the selection changes: it is marked here.
api._lists = []
api.markSelected = (id) => {
  let found = false
  if (!api._lists.length || api._lists.some((list) => !list.isConnected)) {
    api._lists = deepFindAll(document, '.pv-live-selection')
    found = true
  }
  // The same lists already mark this item (moving tiles keeps their marks): nothing to do.
  if (!found && api._marked === id) { return }
  api._marked = id
  for (const list of api._lists) {
    for (const el of list.querySelectorAll('.sel')) {
      if (el.dataset.pvId !== id) { el.classList.remove('sel') }
    }
    if (id === null || id === undefined) { continue }
    for (const el of list.querySelectorAll('[data-pv-id]')) {
      if (el.dataset.pvId === id) { el.classList.add('sel') }
    }
  }
}
api.isBusy = () => root.classList.contains('pv-busy')
api.setAddress = (query) => {
  const params = new URLSearchParams(query)
  if (root.dataset.pvTheme) { params.set('theme', root.dataset.pvTheme) }
  const next = '?' + params.toString()
  if (next !== window.location.search) {
    const url = window.location.pathname + next + window.location.hash
    window.history.replaceState(window.history.state, '', url)
  }
}
// Moves of a slider write the address off the redraw's path, when the page is idle (replacing
// the history entry took about 1 ms of the main thread per move, at times 10 ms), and at most
// once per ADDRESS_MS, the newest address winning: the browser also limits how often a page
// may replace its history entry.
const ADDRESS_MS = 100
api._addressAt = api._addressAt ?? -Infinity
api.setAddressLater = (query) => {
  api._address = query
  if (api._addressPending) { return }
  api._addressPending = true
  const write = () => {
    api._addressPending = false
    api._addressAt = performance.now()
    api.setAddress(api._address)
  }
  const wait = Math.max(0, api._addressAt + ADDRESS_MS - performance.now())
  setTimeout(() => {
    if (window.requestIdleCallback) { requestIdleCallback(write, {timeout: 250}) } else { write() }
  }, wait)
}
api.toggleTheme = () => {
  root.dataset.pvTheme = root.dataset.pvTheme === 'dark' ? 'light' : 'dark'
  api.setAddress(window.location.search)
}
const deepFindAll = (node, selector, found = []) => {
  found.push(...node.querySelectorAll(selector))
  for (const el of node.querySelectorAll('*')) {
    if (el.shadowRoot) { deepFindAll(el.shadowRoot, selector, found) }
  }
  return found
}
const deepFind = (node, selector) => {
  const hit = node.querySelector(selector)
  if (hit) { return hit }
  for (const el of node.querySelectorAll('*')) {
    if (el.shadowRoot) {
      const found = deepFind(el.shadowRoot, selector)
      if (found) { return found }
    }
  }
  return null
}
api.guide = (step) => {
  const steps = JSON.parse(data.guide_json)
  let guide = document.getElementById('pv-guide')
  if (!guide) {
    guide = document.createElement('div')
    guide.id = 'pv-guide'
    guide.innerHTML = (
      '<div class="pv-guide-box"></div>' +
      '<div class="pv-guide-card" role="dialog" aria-live="polite">' +
      '<h3></h3><div class="pv-guide-text"></div><div class="pv-guide-nav"><span></span>' +
      '<button data-go="close">Close</button><button data-go="back">Back</button>' +
      '<button class="pv-primary" data-go="next">Next</button></div></div>')
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
  }
  const [selector, title, text] = steps[step]
  guide.dataset.step = String(step)
  guide.querySelector('h3').textContent = title
  guide.querySelector('.pv-guide-text').textContent = text
  guide.querySelector('.pv-guide-nav span').textContent = (step + 1) + ' / ' + steps.length
  guide.querySelector('[data-go=next]').textContent = step >= steps.length - 1 ? 'Done' : 'Next'
  const target = deepFind(document, '.' + selector)
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
// One listener per page, acting on whichever bridge is current: a page may render the
// bridge twice (the site draws a pre-rendered snapshot, then replaces window.pyvizzy).
if (!document.pyvizzyClickListener) {
  let clicks = 0
  document.pyvizzyClickListener = (event) => {
    const current = window.pyvizzy
    if (!current) { return }
    for (const el of event.composedPath()) {
      if (!el.classList) { continue }
      if (el.classList.contains('pv-theme-toggle')) { current.toggleTheme(); return }
      if (el.classList.contains('pv-guide-button')) { current.guide(0); return }
      if (el.dataset && el.dataset.pvId !== undefined) {
        clicks += 1
        current.markSelected(el.dataset.pvId)  // at once; Python confirms
        current._data.event = JSON.stringify({action: 'select', id: el.dataset.pvId, n: clicks})
        return
      }
    }
  }
  document.addEventListener('click', document.pyvizzyClickListener)
}
api._static = data.static_json ? JSON.parse(data.static_json) : null
api._decode = (value) => {
  if (!value) { return null }
  return JSON.parse(typeof value === 'string' ? value : new TextDecoder().decode(value))
}
const payload = api._decode(data.dynamic)
api._dynamic = payload ? payload.state : null
api._merge = () => {
  api._state = api._static && api._dynamic ? Object.assign({}, api._static, api._dynamic) : null
}
api._merge()
api._post = () => {
  if (window.parent !== window && api._state !== null) {
    requestAnimationFrame(() => {
      window.parent.postMessage({type: 'pyvizzy:state', state: api.state()}, '*')
    })
  }
}
api._post()
// Views laid out in the page: Python draws every tile of the joint and the result lists
// once per model (the root carries data-pv-view and data-pv-rev); a slider move sends only
// which tiles go where (payload.views), and the tiles are moved here, not redrawn.
api._views = {}
// Make `nodes` the children of `box`, in order, moving as few as possible: a tile already in
// its place is not touched (re-inserting it would make the browser restyle and lay it out).
const arrange = (box, nodes) => {
  const wanted = new Set(nodes)
  for (const child of [...box.children]) {
    if (!wanted.has(child)) { child.remove() }
  }
  let current = box.firstElementChild
  for (const node of nodes) {
    if (node === current) {
      current = current.nextElementSibling
    } else {
      box.insertBefore(node, current)
    }
  }
}
// Text, classes and styles are written only when they change: writing `textContent` replaces
// the text node even with the same text, which makes the browser lay its box out again (the
// joint's counts sit in cells of a hundred tiles).
const setText = (el, text) => { if (el.textContent !== text) { el.textContent = text } }
const setClass = (el, css) => { if (el.className !== css) { el.className = css } }
const setStyle = (el, name, value) => {
  if (el.style.getPropertyValue(name) !== value) { el.style.setProperty(name, value) }
}
// A box (a cell, a list) is rearranged only when what it shows changed.
const fill = (box, keep, tiles, keys, memo) => {
  const signature = keys.join(',')
  const shown = []
  for (const key of keys) {
    const tile = tiles.get(key)
    if (tile) { tiles.delete(key); shown.push(tile) }
  }
  if (memo.get(box) !== signature) {
    arrange(box, [...keep, ...shown])
    memo.set(box, signature)
  }
  return shown
}
const fillPool = (pool, tiles, memo) => {
  const rest = [...tiles.values()]
  const signature = rest.map((tile) => tile.dataset.pvTile).join(',')
  if (memo.get(pool) !== signature) {
    arrange(pool, rest)
    memo.set(pool, signature)
  }
}
const layoutJoint = (root, view, tiles, pool, memo) => {
  if (!pool) { return false }
  const count = (selector, value) => {
    const el = root.querySelector(selector)
    if (el) { setText(el, String(value)) }
  }
  count('.pv-jn', view.counted)
  count('.pv-ji', view.issues)
  const cells = root.querySelectorAll('.pv-cell')
  if (cells.length !== view.cells.length) { return false }
  cells.forEach((cell, c) => {
    const rows = view.cells[c]
    const size = rows.length > view.dense ? 'xxs' : 'xs'
    const number = cell.querySelector('.cnt')
    const shown = fill(cell, [number], tiles, rows.map(String), memo)
    for (const tile of shown) {
      if (!tile.classList.contains(size)) {
        tile.classList.remove('xs', 'xxs')
        tile.classList.add(size)
      }
    }
    setText(number, String(rows.length))
    setClass(number, rows.length ? 'cnt' : 'cnt zero')
    setStyle(cell, '--a', String(view.alpha[c]))
    const title = cell.title.replace(/\d+$/, String(rows.length))
    if (cell.title !== title) { cell.title = title }
  })
  fillPool(pool, tiles, memo)
  return true
}
const layoutResults = (root, view, tiles, pool, memo) => {
  if (!pool) { return false }
  for (const section of root.querySelectorAll('.pv-sec')) {
    const rows = view.sections[section.dataset.category] || []
    const prefix = section.dataset.category === 'label_issue' ? 'i' : 's'
    const none = section.querySelector('.pv-none')
    const box = section.querySelector('.pv-tiles')
    const shown = fill(box, [none], tiles, rows.map((row) => prefix + row), memo)
    setText(section.querySelector('.n'), String(rows.length))
    setStyle(none, 'display', shown.length ? 'none' : '')
  }
  fillPool(pool, tiles, memo)
  return true
}
const layoutHistograms = (root, view) => {
  const plots = root.querySelectorAll('.pv-plot')
  if (plots.length !== view.marks.length) { return false }
  plots.forEach((plot, k) => {
    for (const css of ['ood', 'cls']) {
      const [left, side, low, text] = view.marks[k][css]
      const line = plot.querySelector('.mark.' + css)
      const value = plot.querySelector('.val.' + css)
      setStyle(line, 'left', left)
      setStyle(value, 'left', left)
      setClass(value, 'val ' + css + ' ' + side + (low ? ' low' : ''))
      setText(value, text)
    }
  })
  const legend = root.querySelectorAll('.pv-legend > span')
  view.legend.forEach((text, i) => {
    const node = legend[i] && legend[i].lastChild
    if (node && node.nodeValue !== text) { node.nodeValue = text }
  })
  return true
}
// HTML from Python (escaped there), written only when it changed since this page wrote it.
const setHTML = (el, html, memo) => {
  if (memo.get(el) !== html) { el.innerHTML = html; memo.set(el, html) }
}
const layoutExplainer = (root, view, tiles, pool, memo) => {
  const tracks = root.querySelectorAll('.pv-pbars .track')
  const category = root.querySelector('.pv-cat')
  const suggestion = root.querySelector('.pv-sugg')
  const why = root.querySelector('.pv-why')
  if (tracks.length !== view.marks.length || !category || !suggestion || !why) { return false }
  tracks.forEach((track, k) => {
    const [oodLeft, oodTitle, classLeft, classTitle] = view.marks[k]
    for (const [css, left, title] of [['ood', oodLeft, oodTitle], ['cls', classLeft, classTitle]]) {
      const line = track.querySelector('.mk.' + css)
      setStyle(line, 'left', left)
      if (line.title !== title) { line.title = title }
    }
  })
  setHTML(suggestion, view.suggestion, memo)
  setClass(category, 'pv-cat ' + view.category[0])
  setText(category, view.category[1])
  setHTML(why, view.why, memo)
  return true
}
const layoutScoreboard = (root, view, tiles, pool, memo) => {
  setHTML(root, view.html, memo)
  return true
}
const layouts = {joint: layoutJoint, results: layoutResults, histograms: layoutHistograms,
                 explainer: layoutExplainer, scoreboard: layoutScoreboard}
api.layout = (views) => {
  if (!views) { return }
  for (const [name, view] of Object.entries(views)) {
    if (!view || !layouts[name]) { continue }
    const rev = String(view.rev)
    let entry = api._views[name]
    if (!entry || !entry.root.isConnected || entry.root.dataset.pvRev !== rev) {
      const root = deepFind(document, '[data-pv-view="' + name + '"][data-pv-rev="' + rev + '"]')
      api._views[name] = entry = root ? {root, applied: null, memo: new Map()} : null
      api._lists = []  // markSelected looks for the lists again
      if (!entry) { continue }  // another drawing: it is already laid out as Python drew it
    }
    const text = JSON.stringify(view)
    if (entry.applied === text) { continue }
    const pool = entry.root.querySelector('.pv-pool')
    if (!entry.tiles) {
      entry.tiles = new Map()
      for (const tile of entry.root.querySelectorAll('[data-pv-tile]')) {
        entry.tiles.set(tile.dataset.pvTile, tile)
      }
    }
    if (layouts[name](entry.root, view, new Map(entry.tiles), pool, entry.memo)) {
      entry.applied = text
    }
  }
}
if (payload) { setTimeout(() => api.layout(payload.views), 0) }
// Slider look-ahead (the site's worker; pyvizzy.app.lookahead): payloads Python computed for
// nearby slider settings are kept here, by setting, with the last payloads Python published,
// for as long as the rest of the state (their `basis`) stays as it is. A slider move to a
// kept setting is drawn at once (api.preview, called with the page's change number); then,
// until Python has answered that change, no answer to an earlier one is drawn over it.
const AHEAD_KEPT = 512
api._settingOf = (state) => state.class_percentile + ',' + state.ood_percentile
api._ahead = new Map()
api._basis = payload ? payload.basis : null
api._newest = payload ? payload.state.seq : 0  // the newest payload Python published
api._shown = payload ? payload.basis + ':' + api._settingOf(payload.state) : null
api._shownMove = 0
api._held = null  // Python's newest payload, when it answered a change older than the shown
api._keep = (basis, key, payload) => {
  if (basis !== api._basis) { return }
  api._ahead.delete(key)
  api._ahead.set(key, payload)
  if (api._ahead.size > AHEAD_KEPT) { api._ahead.delete(api._ahead.keys().next().value) }
}
if (payload) { api._keep(payload.basis, api._settingOf(payload.state), payload) }
api.ahead = (basis, key, text) => api._keep(basis, key, text)
api.preview = (classValue, oodValue, move) => {
  const key = classValue + ',' + oodValue
  let kept = api._ahead.get(key)
  if (kept === undefined || api._dynamic === null) { return false }
  if (typeof kept === 'string') { kept = JSON.parse(kept); api._ahead.set(key, kept) }
  api._shownMove = move
  api.show(kept)
  return true
}
api.settle = () => {
  if (api._held) { const held = api._held; api._held = null; api.show(held) }
}
// Draw a payload (Python's, or one computed ahead): state, address, views, selection.
api.show = (payload) => {
  const shown = payload.basis + ':' + api._settingOf(payload.state)
  const confirms = api._dynamic !== null && api._shown === shown
  api._shown = shown
  api._dynamic = payload.state
  api._merge()
  if (!api._pyBusy) { api.idle() }
  const markSelected = () => api.markSelected(api._state ? api._state.selected : null)
  if (confirms) { markSelected(); return }  // Python's answer to what was drawn ahead
  if (payload.address) { api.setAddressLater(payload.address) }
  api.layout(payload.views)
  markSelected()
  requestAnimationFrame(markSelected)
  api._post()
}
api._pyBusy = data.busy_json ? JSON.parse(data.busy_json) : ''
const wanted = search.get('dataset')
if (data.busy_json && JSON.parse(data.busy_json)) {
  api.busy(JSON.parse(data.busy_json))
} else if (api._state === null || (wanted && api._state.dataset !== wanted)) {
  api.busy(JSON.parse(data.start_json))
}
data.query = window.location.search || '?'
if (payload && payload.address) { api.setAddress(payload.address) }
setTimeout(() => api.markSelected(api._state ? api._state.selected : null), 300)
"""

_STATIC = r"""
const api = window.pyvizzy
if (!api || !data.static_json) { return }
api._static = JSON.parse(data.static_json)
api._merge()
"""

_DYNAMIC = r"""
const api = window.pyvizzy
if (!api || !data.dynamic) { return }
const payload = api._decode(data.dynamic)
if (api._newest && payload.state.seq < api._newest) { return }  // an older one
api._newest = payload.state.seq
if (payload.basis !== api._basis) { api._basis = payload.basis; api._ahead.clear() }
api._keep(payload.basis, api._settingOf(payload.state), payload)
// (the site's page says which of its changes this answers; elsewhere, all of them)
const answering = api._answering === undefined ? Infinity : api._answering
if (answering < api._shownMove) { api._held = payload; return }
api._held = null
api.show(payload)
"""

_BUSY = r"""
const message = data.busy_json ? JSON.parse(data.busy_json) : ''
if (window.pyvizzy) {
  window.pyvizzy._pyBusy = message
  if (message) { window.pyvizzy.busy(message) } else { window.pyvizzy.idle() }
}
"""



class Bridge(DesignForStylesheetsOnly, ReactiveHTML):
    """Invisible component syncing state, address, clicks and theme with the page."""

    static_json = param.String(default="", doc="safe_json of the state's slow part (Python ->).")
    dynamic = param.Bytes(
        default=b"", doc="UTF-8 JSON {state: the rest of the state, address: query string}."
    )
    query = param.String(default=None, allow_None=True, doc="location.search at start (page ->).")
    event = param.String(default="", doc="JSON of the last click on a data-pv-id element.")
    css_json = param.String(default=safe_json(GLOBAL_CSS), doc="Theme CSS for <head>.")
    guide_json = param.String(default=safe_json(GUIDE_STEPS))
    start_json = param.String(default=safe_json("Loading the dataset and training the model…"))
    busy_json = param.String(default="", doc="safe_json of a busy message; empty when idle.")

    _template = '<div id="pvbridge" class="pv-bridge" style="display:none"></div>'

    _scripts = {  # noqa: RUF012 - Panel's class attribute
        "render": _RENDER,
        "static_json": _STATIC,
        "dynamic": _DYNAMIC,
        "busy_json": _BUSY,
    }

    def __init__(self, **params):
        params.setdefault("width", 0)
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)

    def send_state(
        self,
        static: dict | None,
        dynamic: dict,
        address: str | None = None,
        views: dict | None = None,
        basis: int | None = None,
    ) -> None:
        """Publish a state snapshot to the page, in two parts merged there.

        ``static`` (ids, labels, predicted probabilities: the bulk) changes only when the
        data or the model does; None leaves the page's copy as it is. ``dynamic``
        (thresholds, categories, selection...) is sent on every change, with ``address``,
        the query string to show in the address bar (None: leave it). It travels as
        bytes: Panel sanitizes string properties as HTML (slow, and it mangles ``<``),
        bytes it leaves alone. ``views`` (name -> layout, e.g. which thumbnails go in which
        cell of the joint) tells the page how to re-sort views it lays out itself.
        ``basis`` numbers everything in the payload but the sliders' part: payloads
        computed ahead for other slider values are only used on the same basis.
        """
        if static is not None:
            self.static_json = safe_json(static)
        self.dynamic = self.payload_json(dynamic, address, views, basis).encode()

    @staticmethod
    def payload_json(
        dynamic: dict, address: str | None, views: dict | None, basis: int | None
    ) -> str:
        """The JSON text of a payload for the page (see :meth:`send_state`)."""
        payload = {"state": dynamic, "address": address, "views": views or {}, "basis": basis}
        return json.dumps(payload, allow_nan=False, separators=(",", ":"))

    def published_state(self) -> dict:
        """The state as the page will merge it (what ``window.pyvizzy.state()`` returns)."""
        static = json.loads(self.static_json) if self.static_json else {}
        dynamic = json.loads(self.dynamic)["state"] if self.dynamic else {}
        return {**static, **dynamic}

    def published_views(self) -> dict:
        """The view layouts last sent to the page (name -> layout)."""
        return json.loads(self.dynamic)["views"] if self.dynamic else {}

    def published_address(self) -> str | None:
        """The query string last sent to the page's address bar."""
        return json.loads(self.dynamic)["address"] if self.dynamic else None

    def set_busy(self, message: str | None) -> None:
        """Show the page's busy overlay with ``message``, or hide it (None)."""
        self.busy_json = safe_json(message) if message else ""

    def clicked_id(self) -> str | None:
        """The item id of the last click event, or None when there was none."""
        if not self.event:
            return None
        try:
            message = json.loads(self.event)
        except json.JSONDecodeError:
            return None
        if isinstance(message, dict) and message.get("action") == "select":
            item_id = message.get("id")
            return item_id if isinstance(item_id, str) else None
        return None
