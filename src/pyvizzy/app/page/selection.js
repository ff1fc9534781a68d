// The selection: a click on anything carrying `data-pv-tile`, anywhere in the page's shadow
// roots, selects that item. The long lists (every image) are not rebuilt when the selection
// changes: the page marks it in them (`.pv-live-selection`) at once, and Python confirms.
// The same click listener starts the page's own controls (theme, Guide), which Python marks
// with CSS classes: Bokeh's `js_on_click` callbacks are not attached to widgets nested in a
// ReactiveHTML template.

function pvInstallSelection(api, page) {
  api.markSelected = (id) => {
    let found = false
    if (!page.lists.length || page.lists.some((list) => !list.isConnected)) {
      page.lists = pvDeepFindAll(document, '.pv-live-selection')
      found = true
    }
    // The same lists already mark this item (moving tiles keeps their marks): nothing to do.
    if (!found && page.marked === id) { return }
    page.marked = id
    for (const list of page.lists) {
      for (const el of list.querySelectorAll('.sel')) {
        if (el.dataset.pvTile !== id) { el.classList.remove('sel') }
      }
      if (id === null || id === undefined) { continue }
      for (const el of list.querySelectorAll('[data-pv-tile]')) {
        if (el.dataset.pvTile === id) { el.classList.add('sel') }
      }
    }
  }
  // One listener per page, acting on whichever bridge is current (window.pyvizzy).
  if (!document.pyvizzyClickListener) {
    let clicks = 0
    document.pyvizzyClickListener = (event) => {
      const current = window.pyvizzy
      if (!current || !current.page) { return }
      const controls = current.page.controls
      for (const el of event.composedPath()) {
        if (!el.classList) { continue }
        if (el.classList.contains(controls.theme)) { current.toggleTheme(); return }
        if (el.classList.contains(controls.guide)) { current.guide(0); return }
        if (el.dataset && el.dataset.pvTile !== undefined) {
          clicks += 1
          current.markSelected(el.dataset.pvTile)
          current.page.data.event = JSON.stringify({action: 'select', id: el.dataset.pvTile, n: clicks})
          return
        }
      }
    }
    document.addEventListener('click', document.pyvizzyClickListener)
  }
}
