// The page's grid (layout.py's Shell): its render script. Which layout the frame gets is the
// stylesheet's business (styles/shell.css, by the frame's width and height); this script
// runs the tab bar that the smaller layouts show. A tab shows its panel beside the joint (a
// blog column, a tablet) or opens it as a sheet over the joint (a phone); choosing the open
// tab again, the Close button or Escape closes the sheet and gives the focus back to the tab.

const tabButtons = [...tabbar.querySelectorAll('[data-pv-tab]')]
const slotOf = (name) => shell.querySelector('[data-pv-slot="' + name + '"]')
for (const button of tabButtons) {
  const slot = slotOf(button.dataset.pvTab)
  if (slot) {
    button.setAttribute('aria-controls', slot.id)
    slot.setAttribute('role', 'tabpanel')
  }
}
state.show = (name, sheet) => {
  shell.dataset.pvTab = name
  shell.dataset.pvSheet = sheet ? name : ''
  for (const button of tabButtons) {
    const chosen = button.dataset.pvTab === name
    button.setAttribute('aria-selected', String(chosen))
    button.tabIndex = chosen ? 0 : -1
  }
  if (sheet) {
    const slot = slotOf(name)
    if (slot) { slot.focus({preventScroll: true}) }
  }
}
state.closeSheet = () => {
  const open = shell.dataset.pvSheet
  if (!open) { return }
  shell.dataset.pvSheet = ''
  const button = tabButtons.find((b) => b.dataset.pvTab === open)
  if (button) { button.focus({preventScroll: true}) }
}
shell.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && shell.dataset.pvSheet) {
    event.stopPropagation()
    state.closeSheet()
  }
})
state.show(shell.dataset.pvTab, false)
// The tab bar's clicks and keys (the template's `tab` and `tab_key` scripts call these):
// arrow keys move between the tabs shown, Enter or Space (a click) opens one.
state.onTab = (event) => {
  const button = event.target.closest('[data-pv-tab]')
  if (!button) { return }
  const name = button.dataset.pvTab
  if (shell.dataset.pvSheet === name) { state.closeSheet() } else { state.show(name, true) }
}
state.onTabKey = (event) => {
  const step = {ArrowRight: 1, ArrowLeft: -1}[event.key]
  const shown = tabButtons.filter((button) => button.offsetParent !== null)
  const at = shown.indexOf(event.target.closest('[data-pv-tab]'))
  if (!step || at < 0) { return }
  event.preventDefault()
  shown[(at + step + shown.length) % shown.length].focus()
}
