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
})(jQuery);
