/** @odoo-module */
/**
 * Flow 3: an operator opens a booking and a guest, presses Resync on each, reads
 * the sync run, then resolves three manual conflicts: Use remote, Keep local and
 * Merge.
 */
import { registry } from "@web/core/registry";
import { tourValue } from "./tour_values";

function openMenu(section, item) {
    return [
        {
            trigger: `.o_menu_sections [data-menu-xmlid='integration_hub.${section}']`,
            run: "click",
        },
        {
            trigger: `.dropdown-item[data-menu-xmlid='integration_hub.${item}']`,
            run: "click",
        },
    ];
}

function resolve(externalId, button, resolution) {
    return [
        {
            content: `Open the conflict on ${externalId}`,
            trigger: `.o_list_view .o_data_row td[name=external_id]:contains(${externalId})`,
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=differing_fields]:contains(room)",
        },
        {
            content: `Resolve it: ${resolution}`,
            trigger: `.o_form_view button[name=${button}]`,
            run: "click",
        },
        {
            trigger: `.o_form_view .o_field_widget[name=resolution]:contains(${resolution})`,
        },
        {
            content: "Back to the conflicts",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            trigger: `.o_list_view:not(:has(td[name=external_id]:contains(${externalId})))`,
        },
    ];
}

registry.category("web_tour.tours").add("integration_hub_sync_resync", {
    url: "/odoo/action-integration_hub.integration_booking_action",
    steps: () => [
        {
            content: "Open the booking",
            trigger: `.o_list_view .o_data_row td[name=name]:contains(${tourValue("booking")})`,
            run: "click",
        },
        {
            content: "Resync the booking",
            trigger: ".o_form_view button[name=action_resync]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(Resync started)",
        },
        ...openMenu("menu_integration_bookings", "menu_integration_guest"),
        {
            content: "Open the guest",
            trigger: `.o_kanban_record:contains(${tourValue("guest")})`,
            run: "click",
        },
        {
            content: "Resync the guest from its form",
            trigger: ".o_form_view .o_form_statusbar button[name=action_resync]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(Resync started)",
        },
        ...openMenu("menu_integration_sync", "menu_integration_sync_run"),
        {
            content: "The newest run is the resync",
            trigger: ".o_list_view .o_data_row:first td[name=kind]:contains(Retry)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_arrow_button_current:contains(Done)",
        },
        {
            content: "It fetched the guest again",
            trigger: ".o_form_view .o_field_widget[name=unchanged_count]:contains(1), .o_form_view .o_field_widget[name=updated_count]:contains(1)",
        },
        ...openMenu("menu_integration_sync", "menu_integration_conflict"),
        ...resolve(tourValue("use_remote"), "action_use_remote", "Used remote"),
        ...resolve(tourValue("keep_local"), "action_keep_local", "Kept local"),
        ...resolve(tourValue("merge"), "action_merge", "Merged"),
    ],
});
