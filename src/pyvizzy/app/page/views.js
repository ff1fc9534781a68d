// Views laid out in the page. Python draws every tile of the joint and of the result lists
// once per model (the drawing's root carries data-pv-view and data-pv-rev); a slider move
// sends only a layout per view (which tiles go where, the lines' places, a few texts), and
// the page moves the drawn tiles and writes those texts here, instead of Python redrawing.
// The layouts' fields are those of the panels' `*_layout` functions in Python.

// A box (a cell, a list) is rearranged only when what it shows changed (`memo`): `keep`
// first, the tiles of `keys`, then `after`. Returns the tiles it shows, taken out of `tiles`
// (those left go to the drawing's hidden pool).
function pvFill(box, keep, tiles, keys, memo, after = []) {
  const signature = keys.join(',')
  const shown = []
  for (const key of keys) {
    const tile = tiles.get(key)
    if (tile) { tiles.delete(key); shown.push(tile) }
  }
  if (memo.get(box) !== signature) {
    pvArrange(box, [...keep, ...shown, ...after])
    memo.set(box, signature)
  }
  return shown
}

function pvFillPool(pool, tiles, memo) {
  const rest = [...tiles.values()]
  const signature = rest.map((tile) => tile.dataset.pvKey).join(',')
  if (memo.get(pool) !== signature) {
    pvArrange(pool, rest)
    memo.set(pool, signature)
  }
}

// The joint's tiles: 24 px, 26 px apart. A cell shows as many as fit, and a "+N" button for
// the rest, which opens the cell's whole list (pvOpenCell).
const PV_TILE_PITCH = 26

// A cell's room for tiles, in columns and rows of tiles: its box less the padding it has
// when it shows tiles (the same in either look, so the look cannot flip the measure).
const PV_CELL_PADDING = {x: 8, y: 24}

function pvCellRoom(cell) {
  const fit = (length, padding) => Math.max(0, Math.floor((length - padding) / PV_TILE_PITCH))
  return {columns: fit(cell.clientWidth, PV_CELL_PADDING.x),
          rows: fit(cell.clientHeight, PV_CELL_PADDING.y), width: cell.clientWidth}
}

// Narrower than this, a cell cannot show a count of two digits whole: the joint is then a
// heat map (each cell's colour its count, the suggested classes' names colour swatches).
const PV_HEAT_CELL_WIDTH = 24

// joint_panel.joint_layout: {cells: rows per cell (row-major), alpha, counted, issues}
function pvLayoutJoint(root, view, tiles, pool, memo) {
  if (!pool) { return false }
  const cells = root.querySelectorAll('.pv-cell')
  if (cells.length !== view.cells.length) { return false }
  // (every size read before anything is written: one layout, not one per cell)
  const rooms = [...cells].map(pvCellRoom)
  // Dense: the cells are too small for a tile and the "+N" (two tiles wide) below the count
  // (many classes, a small frame). Each cell then shows its count alone, and the whole cell
  // is the button that opens its list.
  const dense = rooms.some((room) => room.columns < 2 || room.rows < 1)
  const heat = rooms.some((room) => room.width < PV_HEAT_CELL_WIDTH)
  const joint = root.querySelector('.pv-joint')
  if (joint && joint.classList.contains('dense') !== dense) {
    joint.classList.toggle('dense', dense)
  }
  if (joint && joint.classList.contains('heat') !== heat) {
    joint.classList.toggle('heat', heat)
  }
  const count = (selector, value) => {
    const el = root.querySelector(selector)
    if (el) { pvSetText(el, String(value)) }
  }
  count('.pv-jn', view.counted)
  count('.pv-ji', view.issues)
  cells.forEach((cell, c) => {
    const rows = view.cells[c]
    const capacity = rooms[c].columns * rooms[c].rows
    const fits = !dense && rows.length <= capacity
    // (the "+N" button takes two tiles' room)
    const shownRows = dense ? [] : fits ? rows : rows.slice(0, Math.max(0, capacity - 2))
    const number = cell.querySelector('.cnt')
    const more = cell.querySelector('.pv-more')
    pvFill(cell, [number], tiles, shownRows.map(String), memo, [more])
    const title = cell.title.replace(/\d+$/, String(rows.length))
    if (cell.title !== title) { cell.title = title }
    more.hidden = dense ? rows.length === 0 : fits
    if (!more.hidden) {
      const hidden = dense ? '' : '+' + (rows.length - shownRows.length)
      pvSetText(more, hidden)
      more.setAttribute('aria-label', dense ? title + ', list them'
        : hidden + ' more: list all ' + rows.length)
      more.dataset.rows = rows.join(',')
    }
    pvSetText(number, String(rows.length))
    pvSetClass(number, rows.length ? 'cnt' : 'cnt zero')
    pvSetStyle(cell, '--a', String(view.alpha[c]))
  })
  pvFillPool(pool, tiles, memo)
  return true
}

// A cell's whole list, over the joint: every item's tile (copies), named by the cell; Close
// or Escape gives the focus back to the "+N" button.
function pvOpenCell(root, more) {
  const cell = more.closest('.pv-cell')
  const list = document.createElement('div')
  list.className = 'pv-cell-list'
  list.setAttribute('role', 'dialog')
  list.setAttribute('aria-label', cell.title)
  const head = document.createElement('div')
  head.className = 'pv-cell-list-head'
  const name = document.createElement('span')
  name.textContent = cell.title
  const close = document.createElement('button')
  close.type = 'button'
  close.className = 'pv-cell-list-close'
  close.textContent = 'Close'
  head.append(name, close)
  const body = document.createElement('div')
  body.className = 'pv-cell-list-body'
  body.setAttribute('data-pv-list', '')
  body.setAttribute('role', 'group')
  body.setAttribute('aria-label', 'all ' + cell.title)
  body.tabIndex = 0
  for (const row of more.dataset.rows.split(',')) {
    const tile = root.querySelector('[data-pv-key="' + row + '"]')
    if (tile) { body.appendChild(tile.cloneNode(true)) }
  }
  list.append(head, body)
  const done = () => { list.remove(); more.focus() }
  close.addEventListener('click', done)
  list.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { event.stopPropagation(); done() }
  })
  root.appendChild(list)
  close.focus()
}

// results_panel.results_layout: {sections: category -> rows in display order}
function pvLayoutResults(root, view, tiles, pool, memo) {
  if (!pool) { return false }
  for (const section of root.querySelectorAll('.pv-sec')) {
    const rows = view.sections[section.dataset.category] || []
    const prefix = section.dataset.category === 'label_issue' ? 'i' : 's'
    const none = section.querySelector('.pv-none')
    const box = section.querySelector('.pv-tiles')
    const shown = pvFill(box, [none], tiles, rows.map((row) => prefix + row), memo)
    pvSetText(section.querySelector('.n'), String(rows.length))
    pvSetStyle(none, 'display', shown.length ? 'none' : '')
  }
  pvFillPool(pool, tiles, memo)
  return true
}

// thresholds_panel.histograms_layout: {marks: per class {ood, cls}: {left, side, low, text},
// legend: texts}
function pvLayoutHistograms(root, view) {
  const plots = root.querySelectorAll('.pv-plot')
  if (plots.length !== view.marks.length) { return false }
  plots.forEach((plot, k) => {
    for (const css of ['ood', 'cls']) {
      const mark = view.marks[k][css]
      const line = plot.querySelector('.mark.' + css)
      const value = plot.querySelector('.val.' + css)
      pvSetStyle(line, 'left', mark.left)
      pvSetStyle(value, 'left', mark.left)
      pvSetClass(value, 'val ' + css + ' ' + mark.side + (mark.low ? ' low' : ''))
      pvSetText(value, mark.text)
    }
  })
  const legend = root.querySelectorAll('.pv-legend > span')
  view.legend.forEach((text, i) => {
    const node = legend[i] && legend[i].lastChild
    if (node && node.nodeValue !== text) { node.nodeValue = text }
  })
  return true
}

// explainer_panel.explainer_layout: {marks: per class {ood, cls}: {left, title}, suggestion
// and why (HTML), category: {key, text}}
function pvLayoutExplainer(root, view, tiles, pool, memo) {
  const tracks = root.querySelectorAll('.pv-pbars .track')
  const category = root.querySelector('.pv-cat')
  const suggestion = root.querySelector('.pv-sugg')
  const why = root.querySelector('.pv-why')
  if (tracks.length !== view.marks.length || !category || !suggestion || !why) { return false }
  tracks.forEach((track, k) => {
    for (const css of ['ood', 'cls']) {
      const mark = view.marks[k][css]
      const line = track.querySelector('.mk.' + css)
      pvSetStyle(line, 'left', mark.left)
      if (line.title !== mark.title) { line.title = mark.title }
    }
  })
  pvSetHTML(suggestion, view.suggestion, memo)
  pvSetClass(category, 'pv-cat ' + view.category.key)
  pvSetText(category, view.category.text)
  pvSetHTML(why, view.why, memo)
  return true
}

// scoreboard_panel.scoreboard_layout: {html} (the board; the label health below it stays)
function pvLayoutScoreboard(root, view, tiles, pool, memo) {
  const board = root.querySelector('.pv-board')
  if (!board) { return false }
  pvSetHTML(board, view.html, memo)
  return true
}

const PV_LAYOUTS = {joint: pvLayoutJoint, results: pvLayoutResults,
                    histograms: pvLayoutHistograms, explainer: pvLayoutExplainer,
                    scoreboard: pvLayoutScoreboard, map: pvLayoutMap}

function pvInstallViews(api, page) {
  // The joint fills its cells by their size: laid out again when that changes.
  // (the current page's: the observer outlives a render of the bridge)
  const resized = new ResizeObserver(() => {
    const current = window.pyvizzy || api
    const entry = current.page.views.joint
    if (entry && current.page.lastViews) {
      entry.applied = null
      current.layout({joint: current.page.lastViews.joint})
    }
  })
  const watch = (name, root) => {
    // (once per drawing: the bridge renders again, with a new page, over the same drawings)
    if (name !== 'joint' || root.pvWatched) { return }
    root.pvWatched = true
    resized.observe(root)
    root.addEventListener('click', (event) => {
      const more = event.target.closest('.pv-more')
      if (more) { pvOpenCell(root, more) }
    })
  }
  api.layout = (views) => {
    if (!views) { return }
    page.lastViews = Object.assign({}, page.lastViews, views)
    for (const [name, view] of Object.entries(views)) {
      if (!view || !PV_LAYOUTS[name]) { continue }
      const rev = String(view.rev)
      let entry = page.views[name]
      if (!entry || !entry.root.isConnected || entry.root.dataset.pvRev !== rev) {
        const root = pvDeepFind(document, '[data-pv-view="' + name + '"][data-pv-rev="' + rev + '"]')
        page.views[name] = entry = root ? {root, applied: null, memo: new Map()} : null
        page.lists = []  // markSelected looks for the lists again
        if (!entry) { continue }  // another drawing: it is already laid out as Python drew it
        watch(name, root)
      }
      const text = JSON.stringify(view)
      if (entry.applied === text) { continue }
      const pool = entry.root.querySelector('.pv-pool')
      if (!entry.tiles) {
        entry.tiles = new Map()
        for (const tile of entry.root.querySelectorAll('[data-pv-key]')) {
          entry.tiles.set(tile.dataset.pvKey, tile)
        }
      }
      if (PV_LAYOUTS[name](entry.root, view, new Map(entry.tiles), pool, entry.memo)) {
        entry.applied = text
      }
    }
    api.announce()
  }
}
