// The two percentile sliders' render script (sliders_panel.py's Sliders: Panel runs it as the
// body of a function of `model, data, state, view` and the template's named nodes). Native
// range inputs: the keyboard (arrows, Page Up/Down, Home, End), touch and screen readers work
// as the browser makes them work; a move sets `data.<which>_percentile`, which Python hears.
// The OOD lens is a native select beside the OOD slider's name (`data.ood_lens`).

const ordinal = (n) => {
  const tens = n % 100
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({1: 'st', 2: 'nd', 3: 'rd'}[n % 10] || 'th')
  return n + suffix
}
const sliders = {
  class: {range: class_range, out: class_out, box: class_box},
  ood: {range: ood_range, out: ood_out, box: ood_box},
}
// Write a slider's value into its input, its readout, its track's fill and what a screen
// reader announces; the class slider is off (read only) in per-class-mean mode.
state.show = () => {
  for (const [which, slider] of Object.entries(sliders)) {
    const value = data[which + '_percentile']
    const off = which === 'class' && data.class_disabled
    if (Number(slider.range.value) !== value) { slider.range.value = String(value) }
    slider.range.disabled = off
    slider.range.setAttribute('aria-valuetext', off
      ? 'per-class mean (the class percentile is not used)'
      : ordinal(value) + ' percentile')
    slider.range.style.setProperty('--pv-fill', value + '%')
    slider.out.textContent = off ? 'mean' : String(value)
    slider.box.classList.toggle('pv-off', off)
  }
  if (lens_select.value !== data.ood_lens) { lens_select.value = data.ood_lens }
  ood_range.setAttribute('aria-label', data.ood_lens === 'knn'
    ? 'OOD percentile of the nearest-neighbour outlier scores' : 'OOD percentile')
}
state.show()
