// The header's render script (header.py's HeaderBar): the app's name, the dataset switcher (a
// native select; or the dataset's name when there is only one), the lede, what the dataset is
// (no images, random weights), the notices and the last error (text only, never HTML), the
// Guide and theme buttons (the bridge's click listener runs those), and, in another page's
// frame, a link that opens the same view full screen in a new tab. Python's values come as
// JSON (Panel would sanitize plain strings as HTML).

const parse = (text, fallback) => (text ? JSON.parse(text) : fallback)
state.options = () => {
  const options = parse(data.options_json, [])
  picker.replaceChildren(...options.map(([name, key]) => {
    const option = document.createElement('option')
    option.value = key
    option.textContent = name
    return option
  }))
  picker.hidden = options.length < 2
  state.current()
}
state.current = () => {
  if (picker.value !== data.dataset) { picker.value = data.dataset }
  const title = parse(data.title_json, {name: '', description: ''})
  name.hidden = !picker.hidden
  name.textContent = title.name
  name.title = title.description
}
state.notes = () => {
  const said = parse(data.notices_json, {error: null, notices: [], dataset: []})
  // (what the dataset is stays said; Dismiss clears the rest)
  const lines = said.dataset.map((text) => ['pv-note pv-fact', text])
  if (said.error) { lines.push(['pv-note pv-err', said.error]) }
  if (said.notices.length) {
    const more = said.notices.length > 1 ? ' (+' + (said.notices.length - 1) + ' more)' : ''
    lines.push(['pv-note', said.notices[said.notices.length - 1] + more])
  }
  notes.replaceChildren(...lines.map(([css, text]) => {
    const line = document.createElement('span')
    line.className = css
    line.textContent = text
    line.title = css === 'pv-note' ? said.notices.join('\n') : text
    return line
  }))
  dismiss.hidden = !said.error && !said.notices.length
}
// A file the reader opens or drops: its text goes to Python (header.py's `opened`), which
// reads and validates it; a file over Python's limit is refused unread (Python says why).
state.open = async (file) => {
  if (!file) { return }
  window.pvOpened = (window.pvOpened || 0) + 1
  const message = {n: window.pvOpened, name: String(file.name || 'file'), size: file.size}
  if (file.size <= data.open_limit) {
    try {
      message.text = await file.text()
    } catch (error) {
      message.size = -1  // (unreadable: Python says the file could not be read)
    }
  }
  data.opened = JSON.stringify(message)
}
// The table Python made for Export, downloaded from memory (a blob: address, nothing sent).
state.download = () => {
  const table = parse(data.export_json, null)
  if (!table || !table.text) { return }
  const url = URL.createObjectURL(new Blob([table.text], {type: 'text/csv;charset=utf-8'}))
  const link = document.createElement('a')
  link.href = url
  link.download = table.name
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60000)
}
// A file dropped anywhere on the window opens as Open does (installed once: the header may
// render again, and window.pvOpenFile is the newest header's).
if (!window.pvDropInstalled) {
  window.pvDropInstalled = true
  const carriesFiles = (event) => Array.from(event.dataTransfer?.types || []).includes('Files')
  window.addEventListener('dragover', (event) => {
    if (carriesFiles(event)) {
      event.preventDefault()
      event.dataTransfer.dropEffect = 'copy'
    }
  })
  window.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) { return }
    event.preventDefault()
    window.pvOpenFile(event.dataTransfer.files[0])
  })
}
window.pvOpenFile = state.open
lede.textContent = parse(data.lede_json, '')
full.hidden = window.parent === window
// (the view as it is now, however the link is opened: a click, a middle click, its menu)
for (const type of ['pointerdown', 'focus', 'contextmenu', 'mouseenter']) {
  full.addEventListener(type, () => { full.href = window.location.href })
}
state.options()
state.notes()
