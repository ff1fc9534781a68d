// The relabel controls' render script (relabel.py's RelabelBar): a native select of the
// class names for the selected image (off while none is selected) and the Train button. A
// pick sets `data.label` (a class index), a press counts up `data.trains`; Python hears both.

state.options = () => {
  const names = JSON.parse(data.names_json || '[]')
  picker.replaceChildren(...names.map((name, index) => {
    const option = document.createElement('option')
    option.value = String(index)
    option.textContent = name
    return option
  }))
  state.current()
}
state.current = () => {
  const off = data.label < 0
  picker.disabled = off
  if (!off && picker.value !== String(data.label)) { picker.value = String(data.label) }
  if (off) { picker.selectedIndex = -1 }
}
state.options()
