// The image lists by keyboard (the joint, the results, the dataset, the probabilities, a
// cell's whole list). Each list (`data-pv-list`, drawn by Python with tabindex 0) is one tab
// stop: Tab onto it focuses its current item (the last one focused, else the selected one,
// else the first); the arrow keys move between the items as they are laid out on screen,
// Home and End to the first and the last; Enter or Space selects the item (a click). An item
// is an element carrying `data-pv-tile` (the outermost, in a list) or a cell's "+N" button; it
// takes role button and its name (pvItemName) as it takes the focus, so the thousands of
// tiles carry neither until then.

const PV_LIST_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End'])

// The list's items that are on screen (a tile in a hidden pool is not), in document order.
function pvListItems(list) {
  return [...list.querySelectorAll('[data-pv-tile], .pv-more')].filter((el) => {
    if (el.hidden || !el.getClientRects().length) { return false }
    const outer = el.parentElement && el.parentElement.closest('[data-pv-tile]')
    return !outer || !list.contains(outer)
  })
}

// "digit-0651, given 8, suggested 5" in the joint (the cell says where the item is now);
// elsewhere the tile's own title (a map's dot: its <title>).
function pvItemName(item) {
  if (item.classList.contains('pv-more')) { return item.getAttribute('aria-label') }
  const cell = item.closest('.pv-cell')
  if (cell) { return item.dataset.pvTile + ', ' + cell.title.replace(/: \d+$/, '') }
  // (a dot of the map: an SVG element, named by its <title>)
  const named = item.title || (item.querySelector('title') || {}).textContent
  return named || item.dataset.pvTile
}

// The item an arrow key leads to from `from` (null: the list itself has the focus).
function pvStep(items, from, key) {
  const index = items.indexOf(from)
  if (key === 'Home' || index < 0) { return items[0] }
  if (key === 'End') { return items[items.length - 1] }
  if (key === 'ArrowRight') { return items[Math.min(index + 1, items.length - 1)] }
  if (key === 'ArrowLeft') { return items[Math.max(index - 1, 0)] }
  // Up and down: the nearest row of items above or below, and in it the nearest item.
  const here = from.getBoundingClientRect()
  const middle = (rect) => [rect.left + rect.width / 2, rect.top + rect.height / 2]
  const [x, y] = middle(here)
  const sign = key === 'ArrowDown' ? 1 : -1
  const beyond = items.map((item) => [item, middle(item.getBoundingClientRect())])
    .filter(([, [, itemY]]) => (itemY - y) * sign > here.height / 2)
  if (!beyond.length) { return from }
  const nearestRow = Math.min(...beyond.map(([, [, itemY]]) => Math.abs(itemY - y)))
  const row = beyond.filter(([, [, itemY]]) => Math.abs(itemY - y) <= nearestRow + here.height / 2)
  row.sort((a, b) => Math.abs(a[1][0] - x) - Math.abs(b[1][0] - x))
  return row[0][0]
}

function pvFocusItem(list, item) {
  item.tabIndex = -1
  if (!item.classList.contains('pv-more')) { item.setAttribute('role', 'button') }
  const name = pvItemName(item)
  if (item.getAttribute('aria-label') !== name) { item.setAttribute('aria-label', name) }
  list.pvCurrent = item
  item.focus()
}

// The item Tab brings the focus to.
function pvCurrentItem(list, items) {
  if (list.pvCurrent && items.includes(list.pvCurrent)) { return list.pvCurrent }
  return items.find((item) => item.classList.contains('sel')) || items[0]
}

// After Tab: a list that got the focus hands it to its current item. (Not on focusin: a
// focus move inside one shadow tree never reaches the document.)
function pvEnterList() {
  const list = pvDeepActive()
  if (!list || !list.hasAttribute || !list.hasAttribute('data-pv-list')) { return }
  const items = pvListItems(list)
  if (items.length) { pvFocusItem(list, pvCurrentItem(list, items)) }
}

function pvInstallKeys() {
  if (document.pyvizzyKeyListener) { return }
  document.pyvizzyKeyListener = (event) => {
    const target = event.composedPath()[0]
    if (!target || !target.closest) { return }
    const list = target.closest('[data-pv-list]')
    if (event.key === 'Tab') {
      // Out of the list, either way: the browser's Tab goes on from the list itself (its
      // items are not in the tab order).
      if (list && target !== list) { list.focus({preventScroll: true}) }
      setTimeout(pvEnterList, 0)
      return
    }
    if (!list) { return }
    if (PV_LIST_KEYS.has(event.key)) {
      const items = pvListItems(list)
      if (!items.length) { return }
      event.preventDefault()
      pvFocusItem(list, pvStep(items, target === list ? null : target, event.key))
    } else if ((event.key === 'Enter' || event.key === ' ') && target !== list &&
               target.tagName !== 'BUTTON') {
      event.preventDefault()
      // (a map's dot is an SVG element: it has no click())
      if (target.click) { target.click() } else {
        target.dispatchEvent(new MouseEvent('click', {bubbles: true, composed: true}))
      }
    }
  }
  document.addEventListener('keydown', document.pyvizzyKeyListener)
  // The item clicked becomes its list's current item.
  document.addEventListener('click', (event) => {
    const path = event.composedPath()
    const end = path.findIndex((el) => el.hasAttribute && el.hasAttribute('data-pv-list'))
    if (end < 0) { return }
    const item = path.slice(0, end).reverse().find((el) =>
      el.dataset.pvTile !== undefined || el.classList.contains('pv-more'))
    if (item) { path[end].pvCurrent = item }
  })
}
