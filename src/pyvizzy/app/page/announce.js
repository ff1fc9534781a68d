// What the sliders changed, said to a screen reader: a polite live region in the shell
// (data-pv="live") gets the counts once the views settle ("157 confidently labelled,
// 7 off-diagonal; 7 label issues, 28 out of distribution, 0 unconfident"), not at every step
// of a drag, which a screen reader would queue up one after another.

const PV_ANNOUNCE_DELAY_MS = 800

function pvCountsText(joint, results) {
  const count = (category) => (results.sections[category] || []).length
  return joint.counted + ' confidently labelled, ' + joint.issues + ' off-diagonal; ' +
    count('label_issue') + ' label issues, ' + count('ood') + ' out of distribution, ' +
    count('unconfident') + ' unconfident'
}

function pvInstallAnnounce(api, page) {
  api.announce = () => {
    const views = page.lastViews || {}
    if (!views.joint || !views.results) { return }
    const text = pvCountsText(views.joint, views.results)
    clearTimeout(page.announceTimer)
    page.announceTimer = setTimeout(() => {
      const region = pvDeepFind(document, '[data-pv="live"]')
      if (region) { pvSetText(region, text) }
    }, PV_ANNOUNCE_DELAY_MS)
  }
}
