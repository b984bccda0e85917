/** @odoo-module */
/**
 * Flow 1: a manager creates an endpoint, subscribes event types, sends a test
 * event and sees it delivered.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { tourValue } from "./tour_values";

function subscribe(code) {
    return [
        {
            content: `Subscribe ${code}`,
            trigger: ".o_field_widget[name=event_type_ids] input",
            run: `edit ${code}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item a:contains(${code})`,
            run: "click",
        },
        {
            trigger: `.o_field_widget[name=event_type_ids] .o_tag:contains(${code})`,
        },
    ];
}

registry.category("web_tour.tours").add("integration_hub_endpoint_setup", {
    url: "/odoo/action-integration_hub.integration_endpoint_action",
    steps: () => [
        {
            content: "Create an endpoint",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Channel manager",
        },
        {
            trigger: ".o_field_widget[name=url] input",
            run: `edit ${tourValue("url")}`,
        },
        ...subscribe("booking.created"),
        ...subscribe("booking.updated"),
        ...stepUtils.saveForm(),
        {
            content: "Send a test event",
            trigger: ".o_form_view button[name=action_send_test_event]",
            run: "click",
        },
        {
            content: "The receiver got it",
            trigger: ".o_notification:contains(Test event delivered)",
        },
    ],
});
