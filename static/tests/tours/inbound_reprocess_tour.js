/** @odoo-module */
/**
 * Flow 4: an operator finds a failed inbound message, reads why it failed and
 * reprocesses it.
 */
import { registry } from "@web/core/registry";
import { tourValue } from "./tour_values";

registry.category("web_tour.tours").add("integration_hub_inbound_reprocess", {
    url: "/odoo/action-integration_hub.integration_inbound_message_action",
    steps: () => [
        {
            content: "Show the failed messages",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o-dropdown-item:contains(Failed)",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains(Failed)",
        },
        {
            content: "Open the failed message",
            trigger: `.o_list_view .o_data_row td[name=event_type]:contains(${tourValue("event_type")})`,
            run: "click",
        },
        {
            trigger: ".o_form_view .o_arrow_button_current:contains(Failed)",
        },
        {
            content: "Read why it failed",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Result)",
            run: "click",
        },
        {
            trigger: `.o_form_view .o_field_widget[name=error]:contains(${tourValue("error")})`,
        },
        {
            content: "Reprocess it",
            trigger: ".o_form_view button[name=action_reprocess]",
            run: "click",
        },
        {
            // Queued again: the button is gone (the test then checks the
            // message's state and processes it).
            content: "The message is queued for processing",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_reprocess]))",
        },
    ],
});
