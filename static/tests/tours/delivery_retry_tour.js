/** @odoo-module */
/**
 * Flow 2: an operator goes from the dashboard to a failing endpoint, to its
 * deliveries that need attention, opens one and reads the attempts and the
 * error; once the receiver is back, presses Retry (first tour). Then sees it
 * delivered and retries the others from the list at once (second tour). The
 * test runs the queued delivery jobs between the two, as the job runner would.
 */
import { registry } from "@web/core/registry";
import { tourValue } from "./tour_values";

registry.category("web_tour.tours").add("integration_hub_delivery_retry", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the Integration app",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='integration_hub.menu_integration_root']",
            run: "click",
        },
        {
            content: "The dashboard counts one failing endpoint",
            trigger: ".o_kanban_record:contains(Failing endpoints):contains(1)",
            run: "click",
        },
        {
            content: "Open the failing endpoint",
            trigger: `.o_kanban_record:contains(${tourValue("endpoint")}):contains(Failing)`,
            run: "click",
        },
        {
            content: "Its deliveries that need attention",
            trigger: ".o_form_view button[name=action_view_deliveries]:contains(Failed or dead)",
            run: "click",
        },
        {
            trigger: ".o_searchview .o_facet_value:contains(Needs attention)",
        },
        {
            content: "The reason is said in words",
            trigger: ".o_data_row:first td[name=last_error_reason]:contains(HTTP 503 Service Unavailable)",
        },
        {
            content: "Open one",
            trigger: ".o_data_row:first td[name=event_type_id]",
            run: "click",
        },
        {
            content: "The attempts are listed",
            trigger: ".o_field_widget[name=attempt_ids] .o_data_row:contains(503)",
        },
        {
            content: "The full error is on the form",
            trigger: ".o_field_widget[name=last_error]:contains(HTTP 503)",
        },
        {
            content: "The receiver is back: retry",
            trigger: ".o_form_view button[name=action_retry]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Pending)",
        },
    ],
});

registry.category("web_tour.tours").add("integration_hub_delivery_retry_all", {
    url: "/odoo/action-integration_hub.integration_endpoint_action",
    steps: () => [
        {
            content: "Open the endpoint",
            trigger: `.o_kanban_record:contains(${tourValue("endpoint")})`,
            run: "click",
        },
        {
            content: "Two deliveries of the endpoint still need attention",
            trigger: ".o_form_view button[name=action_view_deliveries]:contains(Failed or dead):contains(2)",
            run: "click",
        },
        {
            trigger: ".o_list_view:has(.o_data_row:eq(1)):not(:has(.o_data_row:eq(2)))",
        },
        {
            content: "Without the filter, the retried one shows delivered",
            trigger: ".o_searchview_facet:contains(Needs attention) .o_facet_remove",
            run: "click",
        },
        {
            trigger: ".o_data_row td[name=state]:contains(Delivered)",
        },
        {
            content: "Back to those that need attention",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o-dropdown-item:contains(Needs attention)",
            run: "click",
        },
        {
            trigger: ".o_list_view:has(.o_data_row:eq(1)):not(:has(.o_data_row:eq(2)))",
        },
        {
            content: "Select them all",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_control_panel_actions .o_cp_action_menus button",
            run: "click",
        },
        {
            content: "Retry them at once",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Retry)",
            run: "click",
        },
        {
            content: "They wait for their job: none is dead any more",
            trigger: ".o_list_view:not(:has(td[name=state]:contains(Dead))) .o_data_row:eq(1) td[name=state]:contains(Pending)",
        },
    ],
});
