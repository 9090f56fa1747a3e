export const id = 320;
export const ids = [320];
export const modules = {

/***/ 320:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   locateStepLine: () => (/* binding */ locateStepLine),
/* harmony export */   workflowFileFromRef: () => (/* binding */ workflowFileFromRef)
/* harmony export */ });
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8815);

/** The workflow file of this run, from GITHUB_WORKFLOW_REF, when it lives in this repository. */
function workflowFileFromRef(workflowRef, repository) {
    if (!workflowRef)
        return undefined;
    const m = /^([^/]+\/[^/]+)\/(.+?\.ya?ml)@(.+)$/.exec(workflowRef);
    if (!m)
        return undefined;
    // A reusable workflow's ref belongs to the caller: our step may be in another repository's file.
    if (repository && m[1].toLowerCase() !== repository.toLowerCase())
        return undefined;
    return m[2];
}
/** Finds the line of this step's `uses:` in the workflow text. Pure: takes the text, not a path. */
function locateStepLine(text, input) {
    const lineCounter = new yaml__WEBPACK_IMPORTED_MODULE_0__/* .LineCounter */ .HN();
    let doc;
    try {
        doc = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parseDocument */ .Tp)(text, { lineCounter, keepSourceTokens: true, uniqueKeys: false });
    }
    catch {
        return undefined;
    }
    if (doc.errors.length > 0 || !input.job)
        return undefined;
    const steps = doc.getIn(['jobs', input.job, 'steps'], true);
    if (!steps || !(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(steps))
        return undefined;
    const lineOf = (node) => node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    const candidates = steps.items.filter(yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh);
    const get = (step, key) => {
        const v = step.get(key, true);
        return (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(v) ? String(v.value) : undefined;
    };
    const usesLine = (step) => {
        const pair = step.items.find((p) => (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(p.key) && p.key.value === 'uses');
        return lineOf(pair?.key) ?? lineOf(step);
    };
    const action = input.action ?? '';
    const byId = candidates.find((step) => get(step, 'id') === action);
    if (byId)
        return usesLine(byId);
    // Generated ids: "__self" for `uses: ./`, "__owner_repo" otherwise, with _2, _3 for later repeats.
    const generated = /^__(.+?)(?:_(\d+))?$/.exec(action);
    if (!generated)
        return undefined;
    const occurrence = Number(generated[2] ?? 1);
    const matches = candidates.filter((step) => {
        if (get(step, 'id'))
            return false;
        const uses = get(step, 'uses');
        if (!uses)
            return false;
        if (generated[1] === 'self')
            return uses.startsWith('./');
        const repo = uses.split('@')[0].split('/').slice(0, 2).join('/');
        const wanted = input.actionRepository?.toLowerCase();
        if (wanted)
            return repo.toLowerCase() === wanted;
        return repo.replace(/[^A-Za-z0-9_-]/g, '_').toLowerCase() === generated[1].toLowerCase();
    });
    const step = matches[occurrence - 1] ?? (matches.length === 1 ? matches[0] : undefined);
    return step ? usesLine(step) : undefined;
}


/***/ })

};
