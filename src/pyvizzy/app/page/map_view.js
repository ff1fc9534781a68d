// The map's dots (map_panel.py): a slider move writes each item's category on its dot
// (`data-c`: c, i, o, u; styles/map.css rings and fades them). A tap or click beside the
// dots selects the nearest one within PV_MAP_REACH px, so that small dots are easy to hit.

const PV_MAP_REACH = 16

// map_panel.map_layout: {codes: one letter per item, in dataset order}
function pvLayoutMap(root, view, tiles) {
  for (const [key, dot] of tiles) {
    const code = view.codes[Number(key.slice(1))]
    if (code && dot.getAttribute('data-c') !== code) { dot.setAttribute('data-c', code) }
  }
  if (!root.pvMapWatched) {
    root.pvMapWatched = true
    root.addEventListener('click', (event) => pvMapNearest(root, event))
  }
  return true
}

function pvMapNearest(root, event) {
  if (event.target.closest('[data-pv-tile]') || !event.target.closest('.pv-map')) { return }
  let best = null
  let bestDistance = PV_MAP_REACH
  for (const dot of root.querySelectorAll('.pv-dot')) {
    const box = dot.getBoundingClientRect()
    const distance = Math.hypot(box.left + box.width / 2 - event.clientX,
                                box.top + box.height / 2 - event.clientY)
    if (distance < bestDistance) { best = dot; bestDistance = distance }
  }
  if (best) { best.dispatchEvent(new MouseEvent('click', {bubbles: true, composed: true})) }
}
