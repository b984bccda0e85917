/** @odoo-module */
/**
 * What a tour's Python test hands to its steps (a receiver's URL, a record's
 * name): tests/tour_common.py stores it in the tab's sessionStorage before the
 * tour starts, so it survives the page loads of a tour.
 */
export function tourValue(key) {
    const values = JSON.parse(sessionStorage.getItem("integration_hub_tour") || "{}");
    if (!(key in values)) {
        throw new Error(`The tour needs the value ${key}; its test did not give it.`);
    }
    return values[key];
}
