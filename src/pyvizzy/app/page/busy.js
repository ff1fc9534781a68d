// The busy overlay: a card with a spinner over the whole page while Python loads or trains.

function pvInstallBusy(api) {
  const root = document.documentElement
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
  api.busy = (message) => {
    busy.querySelector('.pv-busy-text').textContent = message || 'Working…'
    root.classList.add('pv-busy')
  }
  api.idle = () => root.classList.remove('pv-busy')
}
