// DOM helpers shared by the bridge's scripts. Panel draws every panel inside shadow roots,
// so finding an element means looking through them too. Text, classes and styles are
// written only when they change: writing `textContent` replaces the text node even with the
// same text, which makes the browser lay its box out again.

function pvDeepFindAll(node, selector, found = []) {
  found.push(...node.querySelectorAll(selector))
  for (const el of node.querySelectorAll('*')) {
    if (el.shadowRoot) { pvDeepFindAll(el.shadowRoot, selector, found) }
  }
  return found
}

function pvDeepFind(node, selector) {
  const hit = node.querySelector(selector)
  if (hit) { return hit }
  for (const el of node.querySelectorAll('*')) {
    if (el.shadowRoot) {
      const found = pvDeepFind(el.shadowRoot, selector)
      if (found) { return found }
    }
  }
  return null
}

// The element that has the focus, through shadow roots.
function pvDeepActive() {
  let active = document.activeElement
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement
  }
  return active
}

function pvSetText(el, text) { if (el.textContent !== text) { el.textContent = text } }

function pvSetClass(el, css) { if (el.className !== css) { el.className = css } }

function pvSetStyle(el, name, value) {
  if (el.style.getPropertyValue(name) !== value) { el.style.setProperty(name, value) }
}

// HTML from Python (escaped there), written only when it changed since this page wrote it.
function pvSetHTML(el, html, memo) {
  if (memo.get(el) !== html) { el.innerHTML = html; memo.set(el, html) }
}

// Make `nodes` the children of `box`, in order, moving as few as possible: a node already in
// its place is not touched (re-inserting it would make the browser restyle and lay it out).
function pvArrange(box, nodes) {
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
