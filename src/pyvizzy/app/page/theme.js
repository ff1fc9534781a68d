// The theme: the page's stylesheet (theme colours as custom properties, which inherit into
// every panel's shadow root) injected once into <head>, and `data-pv-theme` on <html>, read
// from and written to the address's `theme` parameter.

function pvInstallTheme(api, page) {
  const root = document.documentElement
  if (!document.getElementById('pv-global-css')) {
    const style = document.createElement('style')
    style.id = 'pv-global-css'
    style.textContent = JSON.parse(page.data.css_json)
    document.head.appendChild(style)
  }
  const theme = new URLSearchParams(window.location.search).get('theme')
  if (theme === 'dark' || theme === 'light') { root.dataset.pvTheme = theme }
  api.toggleTheme = () => {
    root.dataset.pvTheme = root.dataset.pvTheme === 'dark' ? 'light' : 'dark'
    api.setAddress(window.location.search)
  }
}
