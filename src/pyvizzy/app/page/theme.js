// The theme: the page's stylesheet (theme colours as custom properties, which inherit into
// every panel's shadow root) injected once into <head>, and `data-pv-theme` on <html>. The
// address's `theme` parameter chooses light or dark; without one (or with `auto`) the page
// follows the reader's prefers-color-scheme, live. A choice (the Theme button, a host page's
// message: host.js) is kept in `data-pv-theme-chosen` and written to the address.

function pvInstallTheme(api, page) {
  const root = document.documentElement
  if (!document.getElementById('pv-global-css')) {
    const style = document.createElement('style')
    style.id = 'pv-global-css'
    style.textContent = JSON.parse(page.data.css_json)
    document.head.appendChild(style)
  }
  const scheme = window.matchMedia('(prefers-color-scheme: dark)')
  const apply = () => {
    root.dataset.pvTheme = root.dataset.pvThemeChosen || (scheme.matches ? 'dark' : 'light')
  }
  // 'light', 'dark' or 'auto'
  api.setTheme = (theme) => {
    if (theme === 'light' || theme === 'dark') {
      root.dataset.pvThemeChosen = theme
    } else {
      delete root.dataset.pvThemeChosen
    }
    apply()
  }
  api.toggleTheme = () => {
    api.setTheme(root.dataset.pvTheme === 'dark' ? 'light' : 'dark')
    api.setAddress(window.location.search)
  }
  // (once per page: the bridge renders twice, the pre-rendered view and the live app)
  if (!root.pvThemeInstalled) {
    root.pvThemeInstalled = true
    scheme.addEventListener('change', apply)
    api.setTheme(new URLSearchParams(window.location.search).get('theme'))
  }
}
