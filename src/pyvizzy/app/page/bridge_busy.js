// The bridge's script for a new `busy_json` (Python's busy message, empty when idle).
const api = window.pyvizzy
if (!api || !api.page) { return }
const message = data.busy_json ? JSON.parse(data.busy_json) : ''
api.page.pythonBusy = message
if (message) { api.busy(message) } else { api.idle() }
