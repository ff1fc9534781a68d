// The bridge's script for a new `dynamic` (a payload: the per-setting state and layouts).
const api = window.pyvizzy
if (!api || !api.receive || !data.dynamic) { return }
api.receive(api.decode(data.dynamic))
