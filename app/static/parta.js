/* Parta: Russian date picker for the ДД.ММ.ГГГГ date fields (no external scripts); tab state for screen readers. */
(function ($) {
  $.fn.datepicker.dates.ru = {
    days: ["Воскресенье", "Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота"],
    daysShort: ["Вск", "Пнд", "Втр", "Срд", "Чтв", "Птн", "Суб"],
    daysMin: ["Вс", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"],
    months: ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"],
    monthsShort: ["Янв", "Фев", "Мар", "Апр", "Май", "Июн", "Июл", "Авг", "Сен", "Окт", "Ноя", "Дек"],
    today: "Сегодня",
    clear: "Очистить",
    format: "dd.mm.yyyy",
    weekStart: 1,
    monthsTitle: "Месяцы"
  };
  // tabs tell screen readers which one is shown (Bootstrap 3 keeps aria-selected as written)
  $(document).on("shown.bs.tab", "a[role=tab]", function (event) {
    $(event.target).attr("aria-selected", "true");
    if (event.relatedTarget) { $(event.relatedTarget).attr("aria-selected", "false"); }
  });
  $(function () {
    $(".parta-date input").datepicker({
      language: "ru", format: "dd.mm.yyyy", weekStart: 1, autoclose: true, todayHighlight: true, forceParse: false
    });
  });
  // a related row chosen by typing (app/views/base.py, SearchedSelectWidget): the options come
  // from the view's /options endpoint, a page at a time, scoped to what the user may see; a
  // list's search adds such selects when a filter is added, so new ones are set up as they appear
  function searchedSelect(select) {
    if (select.hasClass("select2-hidden-accessible")) { return; }
    var say = function (key) { return function () { return select.data(key); }; };
    select.select2({
      theme: "bootstrap", width: "100%", placeholder: select.data("placeholder"),
      allowClear: select.data("allow-clear") === true,
      ajax: {
        url: select.data("url"), dataType: "json", delay: 250,
        data: function (params) { return { q: params.term || "", page: params.page || 1 }; }
      },
      language: {
        searching: say("searching"), noResults: say("no-results"),
        errorLoading: say("error"), loadingMore: say("more")
      }
    });
  }
  $(function () {
    $("select.parta-searched-select").each(function () { searchedSelect($(this)); });
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        $(change.addedNodes).find("select.parta-searched-select").addBack("select.parta-searched-select")
          .each(function () { if (document.body.contains(this)) { searchedSelect($(this)); } });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})(jQuery);
