// The address bar: the query string that reopens the view, written with replaceState (the
// theme kept when one was chosen, and a host page's ?origin=, host.js). Slider moves write it off the redraw's path, when the page
// is idle (replacing the history entry costs the main thread time a key press should not wait
// for), and at most once per ADDRESS_MS, the newest address winning: the browser also limits
// how often a page may replace its history entry.

const PV_ADDRESS_MS = 100

function pvInstallAddress(api, page) {
  const root = document.documentElement
  api.setAddress = (query) => {
    const params = new URLSearchParams(query)
    if (root.dataset.pvThemeChosen) {
      params.set('theme', root.dataset.pvThemeChosen)
    } else {
      params.delete('theme')
    }
    const origin = new URLSearchParams(window.location.search).get('origin')
    if (origin !== null) { params.set('origin', origin) }
    const next = '?' + params.toString()
    if (next !== window.location.search) {
      const url = window.location.pathname + next + window.location.hash
      window.history.replaceState(window.history.state, '', url)
    }
  }
  api.setAddressLater = (query) => {
    const address = page.address
    address.query = query
    if (address.pending) { return }
    address.pending = true
    const write = () => {
      address.pending = false
      address.writtenAt = performance.now()
      api.setAddress(address.query)
    }
    const wait = Math.max(0, address.writtenAt + PV_ADDRESS_MS - performance.now())
    setTimeout(() => {
      if (window.requestIdleCallback) { requestIdleCallback(write, {timeout: 250}) } else { write() }
    }, wait)
  }
}
