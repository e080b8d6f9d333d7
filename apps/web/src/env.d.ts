// The core feature-tests `setImmediate` (`typeof setImmediate === 'function'`) and falls back to
// setTimeout in browsers; the DOM typings do not declare it, so it is declared here, as optional.
declare function setImmediate(callback: () => void): unknown;
